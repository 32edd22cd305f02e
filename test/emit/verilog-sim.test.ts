import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist, saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { exhaustiveVectors, randomVectors } from '../../src/netlist/vectors.js';
import { fixture } from '../helpers/cli.js';
import { HAS_VERILATOR, simulate } from './sim.js';

const skip = !HAS_VERILATOR;
if (skip) console.warn('verilator is not installed: skipping the simulation tests (install it with `apt-get install verilator` or `npm run setup` as root)');

function check(model: string, opts: { pipeline?: number | 'auto'; freq?: number; optimize?: boolean }, vectors: 'all' | number) {
  const net = loadNetlist(model);
  const dir = mkdtempSync(join(tmpdir(), 'lgnc-emit-'));
  const m = compileToDir(model, dir, { top: 'core', ...opts });
  const x = vectors === 'all' ? exhaustiveVectors(net.inputs) : randomVectors(net.inputs, vectors, 5);
  const want = evaluateNetlist(net, x);
  const got = simulate(dir, m, x);
  expect(got.length).toBe(x.count);
  for (let s = 0; s < x.count; s++) {
    expect(got[s]).toEqual([want.predictions[s], ...want.scores.subarray(s * m.classes, (s + 1) * m.classes)]);
  }
  return m;
}

describe.skipIf(skip)('emitted Verilog under Verilator equals the reference evaluator', () => {
  // Each Verilator build takes ~20 s here, so the cases are few and chosen to cover the
  // emitter's paths: unread gates kept by --no-opt, pipelining every level, wide ports.
  it('same-input --no-opt pipelined every 2 levels (gates no output reads), on every vector', () => {
    check(fixture('same-input.json'), { pipeline: 2, optimize: false }, 'all');
  }, 300_000);

  it('a random net with 70 inputs and 6 classes (wide ports), combinational and pipelined every level', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-net-'));
    const model = join(dir, 'r.json');
    saveNetlist(model, randomNetlist({ inputs: 70, widths: [120, 90, 60], classes: 6, seed: 3 }));
    check(model, {}, 200);
    const m = check(model, { pipeline: 1 }, 200);
    expect(m.pipeline.latency).toBe(m.stats.levels);
  }, 300_000);

  it('a random net pipelined by --pipeline auto in stages of different sizes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-net-'));
    const model = join(dir, 'r.json');
    saveNetlist(model, randomNetlist({ inputs: 60, widths: [100, 80, 60], classes: 4, seed: 9 }));
    // 150 MHz: a few levels a stage; the input stage (widest fanout) is not the longest.
    const m = check(model, { pipeline: 'auto', freq: 150 }, 200);
    const stages = m.pipeline.auto!.stages;
    expect(new Set(stages).size).toBeGreaterThan(1);
    expect(stages[0]).toBeLessThan(Math.max(...stages));
    expect(stages.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(m.stats.levels);
    expect(m.pipeline.latency).toBe(stages.length);
  }, 300_000);
});
