// A conv (v2) netlist through the whole road a user takes: `lgnc check` prints both sizes,
// `lgnc flatten` writes plain gate layers that `lgnc eval` scores exactly like the conv model,
// `lgnc compile` reports the unrolled gates, and the Verilog passes `lgnc verify` under
// Verilator (every score and class equal to the reference evaluator's).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNetlist, gateCount, storedGateCount } from '../../src/netlist/netlist.js';
import { randomConvNetlist } from '../../src/netlist/random.js';
import { formatTextVectors, randomVectors } from '../../src/netlist/vectors.js';
import { fixture, lgnc } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lgnc-conv-'));
const fmt = (n: number) => n.toLocaleString('en-US');

/** Two small conv nets: conv → pool → conv → flatten → gates → gates "from": "all"; and a Group-Sum straight over an OR-pool output. */
const NETS = {
  dense: randomConvNetlist({ seed: 38, input: [2, 8, 8], classes: 4, name: 'conv_dense' }),
  pooled: randomConvNetlist({ seed: 31, name: 'conv_pooled' }),
};

function write(name: keyof typeof NETS): string {
  const path = join(work, `${name}.json`);
  writeFileSync(path, formatNetlist(NETS[name]));
  return path;
}

describe('conv netlists: check, flatten, compile, verify', () => {
  it('check prints the stored and the unrolled size; flatten predicts exactly the same under lgnc eval', () => {
    const net = NETS.dense;
    const model = write('dense');
    const c = lgnc(['check', model]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toContain(`gates:     ${fmt(storedGateCount(net))} stored (conv kernels shared over positions) → ${fmt(gateCount(net))} unrolled`);
    const flat = join(work, 'dense-flat.json');
    const f = lgnc(['flatten', model, '-o', flat]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toMatch(new RegExp(`gates:\\s+${storedGateCount(net)} stored → ${fmt(gateCount(net))} unrolled`));
    const vectors = join(work, 'v.txt');
    writeFileSync(vectors, formatTextVectors(randomVectors(net.inputs, 500, 4)));
    const a = JSON.parse(lgnc(['eval', model, '--vectors', vectors, '--json']).stdout);
    const b = JSON.parse(lgnc(['eval', flat, '--vectors', vectors, '--json']).stdout);
    expect(b.predictions).toEqual(a.predictions);
    expect(b.scores).toEqual(a.scores);
    expect(new Set(a.predictions).size).toBeGreaterThan(1);
  });

  it('compile reports the unrolled gates, and the Verilog passes verify under Verilator', () => {
    const net = NETS.dense;
    const model = write('dense');
    const build = join(work, 'build-dense');
    const r = lgnc(['compile', model, '-o', build, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.stats.netlistGates).toBe(gateCount(net));
    expect(m.stats.netlistStoredGates).toBe(storedGateCount(net));
    expect(m.stats.networkGates).toBeGreaterThan(50); // a real network survives optimization
    const v = lgnc(['verify', '--build', build, '--vectors', '3000'], { timeoutMs: 300_000 });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/verilog\s+3,000\s+0\s/);
    expect(v.stdout).toContain('OK: 0 mismatches in 3,000 vectors');
  });

  it('the hand-made fixtures/conv-tiny.json verifies on all 2^16 inputs', () => {
    const v = lgnc(['verify', fixture('conv-tiny.json')], { timeoutMs: 300_000 });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toMatch(/vectors:\s+65,536, exhaustive \(all 2\^16\)/);
    expect(v.stdout).toContain('OK: 0 mismatches in 65,536 vectors');
  });

  it('a Group-Sum over an OR-pool output compiles (pipelined) and verifies', () => {
    const v = lgnc(['verify', write('pooled'), '--pipeline', '2', '--vectors', '2000'], { timeoutMs: 300_000 });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('OK: 0 mismatches in 2,000 vectors');
  });
});
