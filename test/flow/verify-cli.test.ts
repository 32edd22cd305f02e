// `lgnc verify` as a user runs it: exit codes, what it prints, a planted one-gate fault that
// must be caught, post-synthesis simulation, the formal proof, vectors from a file and from
// a dataset, and the install hint when verilator is missing.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formalCheck } from '../../src/flow/formal.js';
import { loadNetlist, saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { CLI, fixture, lgnc, ROOT } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lgnc-verify-cli-'));

/** Flips the operator of the first AND gate of the network to OR: a one-gate fault. */
function plantFault(verilog: string): string {
  const faulty = verilog.replace(/^(\s*wire n\d+ = [^;&|^]+) & ([^;&|^]+;)$/m, '$1 | $2');
  expect(faulty).not.toBe(verilog);
  return faulty;
}

function compileFullAdder(name: string): string {
  const dir = join(work, name);
  const r = lgnc(['compile', fixture('full-adder.json'), '-o', dir]);
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('lgnc verify (CLI)', () => {
  it('compiles MODEL to a temporary folder and reports 0 mismatches on all inputs', () => {
    const r = lgnc(['verify', fixture('majority3.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/vectors:\s+8, exhaustive \(all 2\^3\)/);
    expect(r.stdout).toMatch(/verilog\s+8\s+0\s/);
    expect(r.stdout).toContain('OK: 0 mismatches in 8 vectors');
  });

  it('catches a one-gate fault planted in the emitted Verilog: exit 1 and the mismatching vectors', () => {
    const dir = compileFullAdder('fault');
    const v = join(dir, 'full_adder.v');
    writeFileSync(v, plantFault(readFileSync(v, 'utf8')));
    const r = lgnc(['verify', '--build', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lgnc: error: the hardware does not match the reference evaluator: verilog: \d+ of 8 vectors differ \(first at vector \d+\)/);
    expect(r.stdout).toMatch(/vector \d+: x = [01]{3} \(bit 0 first\)\n\s+class \d score: expected \d, got \d/);
    expect(r.stdout).toContain('FAILED');

    const j = lgnc(['verify', '--build', dir, '--json']);
    expect(j.code).toBe(1);
    const report = JSON.parse(j.stdout);
    expect(report.ok).toBe(false);
    expect(report.exitCode).toBe(1);
    expect(report.checks[0].mismatches).toBeGreaterThan(0);
    expect(report.checks[0].first[0]).toHaveProperty('expected.scores');
  });

  it('--post-synth simulates the iCE40 netlist of a pipelined core; --formal proves optimized == unoptimized', () => {
    const r = lgnc(['verify', fixture('full-adder.json'), '--pipeline', '1', '--post-synth', '--formal', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.checks.map((c: { design: string; mismatches: number }) => [c.design, c.mismatches])).toEqual([['verilog', 0], ['post-synth ice40', 0]]);
    expect(report.pipeline.latency).toBeGreaterThan(0);
    expect(report.formal).toMatchObject({ status: 'proved' });
  });

  it('--post-synth simulates the netlist lgnc synth makes of a 10-class core: regions kept, ABC, the argmax with area recovery', () => {
    // 10 classes of 12 outputs: a tournament of 4-bit comparators and muxes for ABC to remap.
    const model = join(work, 'ten-classes.json');
    saveNetlist(model, randomNetlist({ inputs: 24, widths: [80, 10 * 12], classes: 10, seed: 5, name: 'ten_classes' }));
    const r = lgnc(['verify', model, '--post-synth', '--vectors', '3000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.checks.map((c: { design: string; mismatches: number }) => [c.design, c.mismatches])).toEqual([['verilog', 0], ['post-synth ice40', 0]]);
  }, 300_000);

  it('--post-synth generic simulates the LUT4 netlist of a combinational core', () => {
    const r = lgnc(['verify', fixture('xor.json'), '--post-synth', 'generic']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/post-synth generic\s+4\s+0\s/);
  });

  it('the formal check finds a planted fault and shows a distinguishing input', async () => {
    const dir = compileFullAdder('formal-fault');
    const v = join(dir, 'full_adder.v');
    writeFileSync(v, plantFault(readFileSync(v, 'utf8')));
    const net = loadNetlist(fixture('full-adder.json'));
    const f = await formalCheck(fixture('full-adder.json'), net, { optimized: { path: v, top: 'full_adder' } });
    expect(f.status).toBe('failed');
    expect(f.counterexample).toMatch(/^[01]{3}$/);
    // AND -> OR on x0, x1 changes the carry exactly when x0 != x1 and x2 = 0.
    const [x0, x1, x2] = f.counterexample!;
    expect(x0 !== x1 && x2 === '0').toBe(true);
  });

  it('checks vectors from a file and a dataset split through the model encoding', () => {
    const vf = join(work, 'v.txt');
    writeFileSync(vf, '00\n11\n10\n');
    const r = lgnc(['verify', fixture('xor.json'), '--vectors-file', vf, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).vectors).toMatchObject({ count: 3, source: `file ${vf}` });

    // MONK's problems: 17 one-hot features; a random network with a 0.5 threshold per feature.
    const model = join(work, 'monk.json');
    const net = randomNetlist({ inputs: 17, widths: [40, 20], classes: 2, seed: 3, name: 'monk_rand' });
    saveNetlist(model, { ...net, encoding: { kind: 'thresholds', features: 17, thresholds: Array.from({ length: 17 }, () => [0.5]) } });
    const d = lgnc(['verify', model, '--dataset', 'monk1', '--json']);
    expect(d.code, d.stderr).toBe(0);
    const report = JSON.parse(d.stdout);
    expect(report.vectors.source).toMatch(/^dataset monk1 test \(\d+ samples/);
    expect(report.checks[0].mismatches).toBe(0);
  });

  it('bad options exit 2 with what to do', () => {
    expect(lgnc(['verify', fixture('xor.json'), '--vectors', '0']).stderr).toMatch(/--vectors 0: must be a whole number/);
    const r = lgnc(['verify', fixture('xor.json'), '--post-synth', 'asic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--post-synth asic: use one of ice40, generic/);
    const d = lgnc(['verify', fixture('xor.json'), '--dataset', 'monk1']);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/has no input encoding/);
  });

  it('without verilator on PATH: exit 2 and the install command', () => {
    const empty = mkdtempSync(join(tmpdir(), 'lgnc-nopath-'));
    const r = spawnSync(process.execPath, [CLI, 'verify', fixture('xor.json')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, PATH: empty, CI: 'true' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('verilator not found on PATH');
    expect(r.stderr).toContain('sudo apt-get install verilator');
  });
});
