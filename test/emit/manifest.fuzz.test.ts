// Fuzzing the build manifest reader: mutated manifests (values, types, sizes, names, text
// damage) must each be read as a manifest verify/synth can trust, or be refused with a
// one-line UserError — and a manifest's `top` can never point outside its build folder.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir, coreInterface, readBuildManifest } from '../../src/emit/build.js';
import { fixture } from '../helpers/cli.js';
import { fuzz, mutatedJsonText } from '../helpers/fuzz.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function build(model: string, pipeline: number | null): unknown {
  const dir = mkdtempSync(join(tmpdir(), 'lgnc-manifest-'));
  dirs.push(dir);
  const m = compileToDir(fixture(model), dir, { pipeline });
  return JSON.parse(readFileSync(join(dir, `${m.top}.json`), 'utf8'));
}

describe('build manifest fuzzing', () => {
  it('1,500 mutated manifests: each a consistent manifest or a one-line UserError', () => {
    const bases = [build('full-adder.json', null), build('thresholds.json', 2)];
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-manifest-fuzz-'));
    dirs.push(dir);
    const r = fuzz({
      seed: 1999,
      cases: 1500,
      make: (rand, i) => mutatedJsonText(bases[i % 2], rand),
      run: (text) => {
        writeFileSync(join(dir, 'core.json'), text);
        const m = readBuildManifest(dir);
        const core = coreInterface(m);
        if (m.verilog !== `${m.top}.v` || /[/\\.]/.test(m.top)) throw new Error(`manifest names a file outside the build: ${m.verilog}`);
        if (!(core.inputs >= 1 && core.classes >= 1 && core.latency >= 0)) throw new Error('manifest sizes out of range');
      },
      show: (text) => text,
    });
    expect(r.failures).toEqual([]);
    expect(r.valid).toBeGreaterThan(50);
    expect(r.kinds).toBeGreaterThan(20);
  });

  it('a manifest whose top names another folder is refused', () => {
    const base = build('xor.json', null) as Record<string, unknown>;
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-manifest-top-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'xor.json'), JSON.stringify({ ...base, top: '../../etc/x', verilog: '../../etc/x.v' }));
    expect(() => readBuildManifest(dir)).toThrow(/xor\.json: \/top: must match pattern.*recompile with `lgnc compile MODEL -o DIR`/);
  });
});
