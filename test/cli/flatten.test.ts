// `lgnc flatten` as a user runs it: a v1 file flattens too (same predictions), --json, and bad
// input exits 2 with the JSON path and writes nothing.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { exhaustiveVectors } from '../../src/netlist/vectors.js';
import { fixture, lgnc } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lgnc-flatten-'));

describe('lgnc flatten (CLI)', () => {
  it('flattens a v1 netlist to "from": "all" layers that predict the same; --json', () => {
    const out = join(dir, 'fa.json');
    const r = lgnc(['flatten', fixture('all-ops-deep.json'), '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, output: out });
    const src = loadNetlist(fixture('all-ops-deep.json'));
    const flat = loadNetlist(out);
    expect(flat.version).toBe(2);
    expect(j.gates).toBe(j.stored);
    const x = exhaustiveVectors(src.inputs);
    expect(evaluateNetlist(flat, x).scores).toEqual(evaluateNetlist(src, x).scores);
  });

  it('a malformed v2 layer: exit 2, the JSON path, no output file', () => {
    const out = join(dir, 'x.json');
    const r = lgnc(['flatten', fixture('broken/v2-leaf-out-of-range.json'), '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\/layers\/0\/leaves\/0\/1\/1: row offset 2 is outside the 2 × 2 receptive field/);
    expect(r.stderr).not.toMatch(/at .*\.js/);
    expect(existsSync(out)).toBe(false);
    expect(lgnc(['flatten', join(dir, 'missing.json'), '-o', out]).code).toBe(2);
  });
});
