// The shortened end-to-end road: a tiny MNIST model trained on a slice, then `lgnc flow`
// (compile → verify on the test split and random vectors → synth → report), the same code
// path `npm start` runs, checked for the numbers a user reads.

import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lgnc } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lgnc-flow-'));
const model = join(dir, 'model.json');
const build = join(dir, 'build');

describe('lgnc flow, end to end on a tiny MNIST model', () => {
  let flow: any;
  beforeAll(() => {
    const t = lgnc(['train', '--dataset', 'mnist', '--limit', '600', '--width', '300,200', '--epochs', '2', '--tau', '2', '--batch', '32', '--lr', '0.05', '-o', model, '--json']);
    expect(t.code, t.stderr).toBe(0);
    const r = lgnc(['flow', model, '-o', build, '--device', 'up5k', '--vectors', '500', '--json']);
    expect(r.code, r.stderr).toBe(0);
    flow = JSON.parse(r.stdout);
  }, 900_000);

  it('hardware accuracy on the test split equals the frozen software accuracy, and the trainer reported the same', () => {
    const net = JSON.parse(readFileSync(model, 'utf8'));
    expect(flow.dataset.name).toBe('mnist');
    expect(flow.dataset.samples).toBe(600);
    expect(flow.dataset.hardwareAccuracy).toBe(flow.dataset.softwareAccuracy);
    expect(flow.dataset.softwareAccuracy).toBe(net.meta.frozenTestAccuracy);
    expect(flow.dataset.softwareAccuracy).toBeGreaterThan(0.3); // well above chance (10%)
  });

  it('verified with zero mismatches on the test split and on random vectors', () => {
    expect(flow.verify).toHaveLength(2);
    for (const v of flow.verify) for (const c of v.checks) expect(c.mismatches).toBe(0);
    expect(flow.verify[1].vectors.count).toBe(500);
  });

  it('wrote a real bitstream, the synthesis report, flow.json and a self-contained report.html', () => {
    const bin = join(build, flow.synth.bitstream.file);
    expect(statSync(bin).size).toBe(104090); // icepack's size for an UP5K image
    expect(flow.synth.resources.logicCells.used).toBeGreaterThan(0);
    expect(flow.synth.resources.logicCells.used).toBeLessThanOrEqual(5280);
    expect(existsSync(join(build, 'flow.json'))).toBe(true);
    const html = readFileSync(flow.report, 'utf8');
    expect(html).toContain('test accuracy (hardware, Verilator)');
    expect(html).not.toMatch(/<script|https?:\/\//);
  });

  it('stops at the first failure with the reason: a logic-cell budget → exit 1', () => {
    const r = lgnc(['flow', model, '-o', join(dir, 'b2'), '--device', 'up5k', '--vectors', '0', '--no-dataset', '--max-lcs', '10']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/budget/i);
    expect(r.stderr).toMatch(/10/);
  }, 600_000);

  it('bad input is a clear error: exit 2', () => {
    const r = lgnc(['flow', join(dir, 'missing.json'), '-o', join(dir, 'b3')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such netlist file');
  });
});
