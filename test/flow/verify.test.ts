// verifyBuild on compiler output: every fixture and random netlists, combinational and
// pipelined at several depths, simulate bit-exactly like the reference evaluator.
// Verilator builds take seconds each; simulators are cached by content, so reruns are fast.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { verifyBuild } from '../../src/flow/verify.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { fixture } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lgnc-verify-test-'));

async function compileAndVerify(model: string, name: string, pipeline: number | null, opts: { count?: number } = {}) {
  const dir = join(work, name);
  const manifest = compileToDir(model, dir, { pipeline });
  const report = await verifyBuild({ build: dir, ...opts });
  return { manifest, report };
}

function randomModel(name: string, o: Parameters<typeof randomNetlist>[0]): string {
  const path = join(work, `${name}.json`);
  saveNetlist(path, randomNetlist({ ...o, name }));
  return path;
}

// Fixtures, each in one timing (both timings over the set): all inputs are checked.
const FIXTURES: [string, number | null][] = [
  ['xor.json', null],
  ['majority3.json', null],
  ['full-adder.json', 1],
  ['same-input.json', null],
  ['thresholds.json', 2],
  ['all-ops.json', null],
  ['all-ops-deep.json', 1],
];

describe('verify: fixtures', () => {
  it.each(FIXTURES)('%s (pipeline %s) matches the reference on every input vector', async (name, pipeline) => {
    const { manifest, report } = await compileAndVerify(fixture(name), `fx-${name}-${pipeline}`, pipeline);
    expect(report.vectors.source).toMatch(/^exhaustive/);
    expect(report.vectors.count).toBe(2 ** manifest.inputs);
    expect(report.checks[0]).toMatchObject({ design: 'verilog', mismatches: 0, validErrors: 0 });
    expect(report.ok).toBe(true);
  });
});

describe('verify: random netlists', () => {
  // 100 inputs and 16 classes x 5-bit scores: x and scores are wider than 64 bits (VlWide ports).
  const wide = randomModel('wide', { inputs: 100, widths: [300, 300, 320, 320], classes: 16, seed: 11 });

  it('a combinational network with >64-bit ports matches on 3000 random vectors', async () => {
    const { manifest, report } = await compileAndVerify(wide, 'wide-comb', null, { count: 3000 });
    expect(manifest.classes * manifest.scoreWidth).toBeGreaterThan(64);
    expect(report.vectors).toMatchObject({ count: 3000, seed: 1 });
    expect(report.checks[0]).toMatchObject({ mismatches: 0, validErrors: 0 });
  });

  it.each([1, 3])('pipelined every %i levels: same results, each exactly `latency` edges later', async (every) => {
    const { manifest, report } = await compileAndVerify(wide, `wide-p${every}`, every, { count: 2000 });
    expect(manifest.pipeline.latency).toBeGreaterThan(0);
    expect(report.pipeline).toEqual({ every, latency: manifest.pipeline.latency });
    expect(report.checks[0]).toMatchObject({ mismatches: 0, validErrors: 0 });
  });

  it('a 20-input network is checked exhaustively (2^20 vectors)', async () => {
    const model = randomModel('in20', { inputs: 20, widths: [64, 64, 30], classes: 3, seed: 4 });
    const { report } = await compileAndVerify(model, 'in20', null);
    expect(report.vectors).toMatchObject({ count: 2 ** 20, source: 'exhaustive (all 2^20)' });
    expect(report.checks[0].mismatches).toBe(0);
  });

  it('a second verify of the same build reuses the cached simulator', async () => {
    const dir = join(work, 'wide-comb');
    const report = await verifyBuild({ build: dir, count: 100, seed: 9 });
    expect(report.checks[0]).toMatchObject({ cached: true, mismatches: 0 });
  });

  it('refuses a build whose model changed since compiling (stale)', async () => {
    const model = randomModel('stale', { inputs: 8, widths: [16, 8], classes: 2, seed: 1 });
    const dir = join(work, 'stale');
    compileToDir(model, dir, {});
    writeFileSync(model, JSON.stringify(randomNetlist({ inputs: 8, widths: [16, 8], classes: 2, seed: 2, name: 'stale' })));
    await expect(verifyBuild({ build: dir })).rejects.toThrow(/stale: recompile/);
  });
});
