import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, lgnc } from '../helpers/cli.js';

describe('lgnc compile (CLI)', () => {
  it('prints gates per pass, levels, adders and the LUT estimate, and writes the build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-cli-'));
    const r = lgnc(['compile', fixture('all-ops-deep.json'), '-o', dir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const key of ['gates:', 'design:', 'removed:', 'levels:', 'popcount:', 'LUT4 (est.):', 'timing:']) expect(r.stdout).toContain(key);
    expect(r.stdout).toMatch(/phase\s+pass\s+runs\s+before\s+after\s+removed\s+added/);
    expect(r.stdout).toMatch(/network\s+const-fold/);
    expect(existsSync(join(dir, 'all_ops_deep.v'))).toBe(true);
  });

  it('--json prints the manifest; --pipeline reports the latency', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-cli-'));
    const r = lgnc(['compile', fixture('majority3.json'), '-o', dir, '--pipeline', '1', '--top', 'maj', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, format: 'lgnc-build', top: 'maj', pipeline: { every: 1 } });
    expect(j.pipeline.latency).toBe(j.stats.levels);
    const t = lgnc(['compile', fixture('majority3.json'), '-o', dir, '--pipeline', '2']);
    expect(t.stdout).toMatch(/pipelined every 2 levels: latency \d+ cycles/);
  });

  it('bad input exits 2 with one line saying what to fix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-cli-'));
    for (const [args, msg] of [
      [['--pipeline', '0'], /--pipeline 0: give a whole number/],
      [['--pipeline', 'x'], /--pipeline x/],
      [['--top', 'a-b'], /not a legal Verilog module name.*--top a_b/],
    ] as const) {
      const r = lgnc(['compile', fixture('xor.json'), '-o', dir, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n').length).toBe(1);
    }
    const missing = lgnc(['compile', join(dir, 'none.json'), '-o', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such netlist file/);
  });

  it('--help shows examples', () => {
    const r = lgnc(['compile', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--pipeline');
  });
});
