// The emitted C against the reference evaluator, built with the system C compiler (gcc, which
// the set-up installs): random netlists of several shapes (one class, constants, ties) at 64,
// 128 and 256 samples per statement, batch sizes around the block, and a trained MNIST model
// whose <top>_encode from raw pixels must give the reference evaluator's class on every test
// image (so the accuracy the trainer recorded).

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encode, loadDataset } from '../../src/data/index.js';
import { emitC } from '../../src/emit/c.js';
import { buildHarness, cCompiler } from '../../src/flow/cc.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { optimize } from '../../src/ir/passes/index.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist, type Netlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { formatBinaryVectors, randomVectors } from '../../src/netlist/vectors.js';
import { fixture } from '../helpers/cli.js';
import { randomTestNetlist } from '../ir/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'lgnc-c-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Emits net as C into its own folder; returns the folder. */
function emitInto(net: Netlist, name: string, opt = true): string {
  const d = join(dir, name);
  const c = emitC(optimize(irFromNetlist(net), { optimize: opt }).ir, { top: 'net', encoding: net.encoding });
  execFileSync('mkdir', ['-p', d]);
  writeFileSync(join(d, 'net.c'), c.c);
  writeFileSync(join(d, 'net.h'), c.h);
  return d;
}

/** Runs the harness on n random vectors and compares classes and scores with the reference. */
function expectMatches(exe: string, net: Netlist, n: number, seed: number): void {
  const x = randomVectors(net.inputs, n, seed);
  const vin = join(dir, `v${seed}.bin`), vout = join(dir, `o${seed}.bin`);
  writeFileSync(vin, formatBinaryVectors(x));
  execFileSync(exe, [vin, vout]);
  const b = readFileSync(vout);
  const u16 = new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
  const want = evaluateNetlist(net, x);
  expect(u16.length).toBe(n * (1 + want.classes));
  expect(Array.from(u16.subarray(0, n))).toEqual(Array.from(want.predictions));
  expect(Array.from(u16.subarray(n))).toEqual(Array.from(want.scores));
}

describe('C backend (gcc -O2)', () => {
  it('finds the C compiler (install gcc, or run npm run setup as root); a missing one is named with the install line', () => {
    expect(() => cCompiler()).not.toThrow();
    const saved = process.env.CC;
    process.env.CC = '/nonexistent/cc';
    try {
      expect(() => cCompiler()).toThrow(/\/nonexistent\/cc not found: .*sudo apt-get install gcc/);
    } finally {
      if (saved === undefined) delete process.env.CC; else process.env.CC = saved;
    }
  });

  it('equals the reference evaluator on random netlists at 64, 128 and 256 samples per statement', () => {
    const nets: Netlist[] = [
      ...[3, 8, 21, 34].map((s) => randomTestNetlist(s)),
      randomNetlist({ inputs: 130, widths: [200, 150, 90], classes: 1, seed: 2 }),
      randomNetlist({ inputs: 9, widths: [12, 20], classes: 20, seed: 4, sameInputRate: 0.5 }),
    ];
    nets.forEach((net, i) => {
      const d = emitInto(net, `r${i}`, i % 2 === 0);
      for (const bytes of i === 0 ? [8, 16, 32] : [i % 2 ? 8 : 16]) {
        const exe = join(d, `run${bytes}`);
        buildHarness(d, 'net', exe, [`-DLGNC_VECTOR_BYTES=${bytes}`, '-Wall', '-Wextra', '-Werror']);
        for (const n of i === 0 ? [0, 1, 63, 64, 65, 128, 257, 700] : [200 + i]) expectMatches(exe, net, n, 100 * i + n);
      }
    });
  });

  it('a trained MNIST model: <top>_encode from raw pixels, then the class of every test image as the reference', () => {
    const net = loadNetlist(fixture('mnist-3x1000.json'));
    const d = emitInto(net, 'mnist');
    const test = loadDataset('mnist').test;
    writeFileSync(join(d, 'x.f32'), new Uint8Array(Float32Array.from(test.x).buffer));
    writeFileSync(join(d, 'main.c'), `#include <stdio.h>
#include <stdlib.h>
#include "net.h"
int main(void) {
  size_t n = ${test.count};
  float *x = malloc(n * NET_FEATURES * sizeof *x);
  uint8_t *p = malloc(n * NET_BYTES_PER_VECTOR);
  uint16_t *c = malloc(n * sizeof *c);
  FILE *f = fopen("${join(d, 'x.f32')}", "rb");
  if (!f || fread(x, sizeof *x, n * NET_FEATURES, f) != n * NET_FEATURES) return 3;
  net_encode(x, n, p);
  net_classify(p, n, c);
  fwrite(c, sizeof *c, n, stdout);
  return 0;
}
`);
    const exe = join(d, 'main');
    const r = spawnSync(cCompiler(), ['-O2', '-std=c99', '-Wall', '-Werror', `-I${d}`, join(d, 'main.c'), join(d, 'net.c'), '-o', exe], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const out = execFileSync(exe, { maxBuffer: 1 << 24 });
    const classes = Array.from(new Uint16Array(out.buffer, out.byteOffset, out.length / 2));
    const want = evaluateNetlist(net, encode(net.encoding!, test.x, test.count));
    expect(classes).toEqual(Array.from(want.predictions));
    const correct = classes.filter((c, i) => c === test.y[i]).length;
    expect(correct / test.count).toBe((net.meta as { frozenTestAccuracy: number }).frozenTestAccuracy);
  });
});
