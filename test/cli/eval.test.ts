// `lgnc eval` backends and `lgnc compile --emit c|wasm` as a user runs them: the compiled
// WebAssembly backend (default) gives exactly the reference evaluator's output; bad vector
// files and flags fail with one line and exit 2.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomNetlist } from '../../src/netlist/random.js';
import { formatBinaryVectors, formatTextVectors, randomVectors } from '../../src/netlist/vectors.js';
import { fixture, lgnc } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const evalJson = (model: string, vectors: string, ...more: string[]) => {
  const r = lgnc(['eval', model, '--vectors', vectors, '--json', ...more]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};

describe('lgnc eval --backend', () => {
  it('wasm (the default) equals the reference on text and packed vectors, with evalMs', () => {
    const net = randomNetlist({ inputs: 300, widths: [600, 400, 90], classes: 9, seed: 11 });
    const model = join(tmp, 'net.json');
    writeFileSync(model, JSON.stringify(net));
    const x = randomVectors(300, 1500, 2);
    writeFileSync(join(tmp, 'v.bin'), formatBinaryVectors(x));
    writeFileSync(join(tmp, 'v.txt'), formatTextVectors(x));
    const ref = evalJson(model, join(tmp, 'v.bin'), '--backend', 'reference');
    expect(ref.backend).toBe('reference');
    for (const v of ['v.bin', 'v.txt']) {
      const got = evalJson(model, join(tmp, v));
      expect(got.backend).toBe('wasm');
      expect(got.predictions).toEqual(ref.predictions);
      expect(got.scores).toEqual(ref.scores);
      expect(typeof got.evalMs).toBe('number');
      expect(typeof got.codegenMs).toBe('number');
    }
    const threaded = evalJson(model, join(tmp, 'v.bin'), '--threads', '2');
    expect(threaded.predictions).toEqual(ref.predictions);
    for (const f of ['all-ops-deep.json', 'full-adder.json', 'same-input.json']) {
      const xf = randomVectors(JSON.parse(readFileSync(fixture(f), 'utf8')).inputs, 40, 1);
      writeFileSync(join(tmp, 'f.txt'), formatTextVectors(xf));
      expect(evalJson(fixture(f), join(tmp, 'f.txt')).scores).toEqual(evalJson(fixture(f), join(tmp, 'f.txt'), '--backend', 'reference').scores);
    }
  });

  it('a packed file that is not whole vectors: one line, exit 2, no stack', () => {
    const bin = join(tmp, 'bad.bin');
    writeFileSync(bin, new Uint8Array(98 * 3 + 5));
    for (const backend of ['wasm', 'reference']) {
      const r = lgnc(['eval', fixture('mnist-3x1000.json'), '--vectors', bin, '--backend', backend]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('bad.bin: 299 bytes is not a whole number of vectors: 784 inputs take 98 bytes per vector');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(lgnc(['eval', fixture('xor.json'), '--vectors', bin, '--threads', '0']).code).toBe(2);
    expect(lgnc(['eval', fixture('xor.json'), '--vectors', bin, '--backend', 'gpu']).code).toBe(2);
  });
});

describe('lgnc compile --emit', () => {
  it('c writes <top>.c and <top>.h only; verilog,c,wasm writes all; a bad target is exit 2', () => {
    let r = lgnc(['compile', fixture('thresholds.json'), '--emit', 'c', '-o', join(tmp, 'c')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('wrote');
    expect(existsSync(join(tmp, 'c', 'thresholds.c')) && existsSync(join(tmp, 'c', 'thresholds.h'))).toBe(true);
    expect(existsSync(join(tmp, 'c', 'thresholds.v'))).toBe(false);
    const h = readFileSync(join(tmp, 'c', 'thresholds.h'), 'utf8');
    expect(h).toContain('void thresholds_classify(const uint8_t *packed, size_t n, uint16_t *classes);');
    expect(h).toContain('void thresholds_scores(const uint8_t *packed, size_t n, uint16_t *scores);');
    expect(h).toContain('void thresholds_encode(const float *features, size_t n, uint8_t *packed);');
    r = lgnc(['compile', fixture('xor.json'), '--emit', 'verilog,c,wasm', '-o', join(tmp, 'all'), '--json']);
    expect(JSON.parse(r.stdout).files.sort()).toEqual(['xor_.c', 'xor_.h', 'xor_.ir.json', 'xor_.json', 'xor_.mjs', 'xor_.v', 'xor_.wasm']); // xor is a Verilog keyword: top xor_
    expect(readFileSync(join(tmp, 'all', 'xor_.h'), 'utf8')).not.toContain('_encode');
    r = lgnc(['compile', fixture('xor.json'), '--emit', 'vhdl', '-o', join(tmp, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--emit vhdl: give one or more of verilog, c, wasm');
    expect(existsSync(join(tmp, 'bad'))).toBe(false);
  });
});
