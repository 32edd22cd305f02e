// The Verilator harness and runner on hand-written cores (fixtures/verilog/), independent of
// the compiler: a combinational and a 2-stage pipelined core for fixtures/xor.json.

import { describe, expect, it } from 'vitest';
import { packVectors, simulateAndCompare } from '../../src/flow/verify.js';
import type { CoreInterface } from '../../src/emit/build.js';
import { buildSimulator, harnessSource, runSimulator } from '../../src/flow/verilator.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { exhaustiveVectors, formatBinaryVectors, randomVectors } from '../../src/netlist/vectors.js';
import { fixture } from '../helpers/cli.js';

const xorNet = loadNetlist(fixture('xor.json'));
const shape = (top: string, latency: number | null): CoreInterface => ({ top, inputs: 2, classes: 2, scoreWidth: 1, classWidth: 1, pipelined: latency !== null, latency: latency ?? 0 });
const comb = [fixture('verilog/xor_core.v')];
const pipe = [fixture('verilog/xor_pipe.v')];

describe('harness on hand-written cores', () => {
  it('the combinational core matches the reference on all inputs, and the second build is cached', () => {
    const x = exhaustiveVectors(2);
    const check = simulateAndCompare('verilog', comb, shape('xor_core', null), x, evaluateNetlist(xorNet, x));
    expect(check).toMatchObject({ mismatches: 0, validErrors: 0 });
    expect(buildSimulator(comb, shape('xor_core', null)).cached).toBe(true);
  });

  it('the pipelined core gives every result exactly 2 edges after sampling, with and without in_valid bubbles', () => {
    const x = randomVectors(2, 300, 5);
    const want = evaluateNetlist(xorNet, x);
    for (const gap of [0, 3]) {
      const check = simulateAndCompare('verilog', pipe, shape('xor_pipe', 2), x, want, { gap });
      expect(check).toMatchObject({ mismatches: 0, validErrors: 0 });
    }
    const sim = buildSimulator(pipe, shape('xor_pipe', 2));
    const out = runSimulator(sim, formatBinaryVectors(x), x.count, { gap: 3 });
    expect(out.results).toBe(300);
    expect(new Set(out.latency)).toEqual(new Set([2]));
    expect(Array.from(out.classes)).toEqual(Array.from(want.predictions));
  });

  it('a latency other than the core has is caught on every vector', () => {
    const x = exhaustiveVectors(2);
    const check = simulateAndCompare('verilog', pipe, shape('xor_pipe', 1), x, evaluateNetlist(xorNet, x));
    expect(check.mismatches).toBe(4);
    expect(check.validErrors).toBeGreaterThan(0);
    expect(check.first[0].latency).toEqual({ expected: 1, got: 2 });
  });

  it('a core whose registers lack initializers fails: they start random, not at zero', () => {
    const x = exhaustiveVectors(2);
    const noinit = [fixture('verilog/xor_pipe_noinit.v')];
    const check = simulateAndCompare('verilog', noinit, shape('xor_pipe_noinit', 2), x, evaluateNetlist(xorNet, x));
    expect(check.validErrors).toBeGreaterThan(0);
    expect(check.mismatches).toBeGreaterThan(0);
  });

  it('packs vectors exactly as the .bin vector format (odd widths and counts)', () => {
    for (const [inputs, count] of [[13, 1000], [100, 33], [1, 5]]) {
      const x = randomVectors(inputs, count, inputs);
      expect(packVectors(x)).toEqual(formatBinaryVectors(x));
    }
  });

  it('fills every template field of the harness (no {{...}} left)', () => {
    const text = harnessSource(shape('xor_pipe', 2));
    expect(text).not.toMatch(/\{\{[A-Z_]+\}\}/);
    expect(text).toContain('#include "Vxor_pipe.h"');
    expect(text).toContain('#if 1');
  });
});
