// `lgnc import` as a user runs it: every fixture checkpoint (made with real PyTorch by
// fixtures/checkpoints/make_checkpoints.py) becomes a netlist whose reference-evaluator
// predictions equal PyTorch's eval-mode predictions stored beside it; every bad or malicious
// checkpoint is refused with its message, exit 2, no output file and no code run.

import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { parseTextVectors } from '../../src/netlist/vectors.js';
import { importCheckpoint } from '../../src/import/index.js';
import { UserError } from '../../src/util/errors.js';
import { fixture, lgnc } from '../helpers/cli.js';

interface Expected {
  checkpoint: string;
  args: string[];
  inputs: number;
  vectors: string[];
  scores: number[][];
  predictions: number[];
  ops?: number[][];
  a?: number[][];
  b?: number[][];
}

const DIR = fixture('checkpoints');
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.expected.json')).map((f) => f.replace('.expected.json', ''));
const expectedOf = (name: string): Expected => JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf8'));
const tmp = () => mkdtempSync(join(tmpdir(), 'lgnc-import-'));

/** Imports a fixture with its stored arguments (plus `extra`); returns the result and the netlist path. */
function importFixture(name: string, extra: string[] = []) {
  const out = join(tmp(), `${name}.json`);
  const r = lgnc(['import', join(DIR, `${name}.pt`), '-o', out, ...expectedOf(name).args, ...extra]);
  return { r, out };
}

/** The netlist's predictions and Group-Sum scores (popcount / tau) on the fixture's vectors. */
function evaluate(path: string, exp: Expected) {
  const net = loadNetlist(path);
  const x = parseTextVectors(exp.vectors.join('\n'), net.inputs);
  const e = evaluateNetlist(net, x);
  const tau = net.output.tau ?? 1;
  const K = e.classes;
  return {
    net,
    predictions: Array.from(e.predictions),
    scores: exp.vectors.map((_, s) => Array.from(e.scores.subarray(s * K, (s + 1) * K), (v) => v / tau)),
  };
}

describe('lgnc import: fixture checkpoints match PyTorch eval mode', () => {
  it('has the fixtures the script makes', () => {
    expect(FIXTURES.sort()).toEqual(['difflogic-buffers', 'difflogic-known-ops', 'difflogic-strided', 'difflogic-trained', 'iwp-sigmoid', 'iwp-sin', 'iwp-small-logits']);
  });

  it.each(FIXTURES)('%s: predictions and scores equal the stored PyTorch ones', (name) => {
    const exp = expectedOf(name);
    const { r, out } = importFixture(name);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(r.code).toBe(0);
    const got = evaluate(out, exp);
    expect(got.net.inputs).toBe(exp.inputs);
    expect(got.predictions).toEqual(exp.predictions);
    got.scores.forEach((row, s) => row.forEach((v, c) => expect(v).toBeCloseTo(exp.scores[s][c], 5)));
    // Not a trivial model: the stored vectors see more than one class.
    if (exp.vectors.length > 16) expect(new Set(exp.predictions).size).toBeGreaterThan(1);
  });

  it("maps difflogic's op order 1:1 onto the gate table (gate g set to op g)", () => {
    const exp = expectedOf('difflogic-known-ops');
    const { r, out } = importFixture('difflogic-known-ops');
    expect(r.code).toBe(0);
    const net = loadNetlist(out);
    expect(net.layers.map((l) => l.op)).toEqual(exp.ops);
    expect(net.layers.map((l) => l.a)).toEqual(exp.a);
    expect(net.layers.map((l) => l.b)).toEqual(exp.b);
  });

  it('reads inputs, classes and tau saved beside the state dict', () => {
    const { r, out } = importFixture('difflogic-trained');
    expect(r.code).toBe(0);
    const net = loadNetlist(out);
    expect(net.inputs).toBe(16);
    expect(net.output).toEqual({ kind: 'groupsum', classes: 4, tau: 2 });
    expect(net.layers.map((l) => l.op.length)).toEqual([64, 64, 40]);
    expect(net.name).toBe('difflogic_trained');
  });

  it('the imported netlist compiles and verifies under Verilator on all 2^16 inputs (compile/verify work unchanged)', () => {
    const { out } = importFixture('difflogic-trained');
    const r = lgnc(['verify', out, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.vectors.count).toBe(65536);
    expect(j.checks.every((c: { mismatches: number }) => c.mismatches === 0)).toBe(true);
  });

  it('is deterministic: importing twice gives byte-identical netlists', () => {
    const a = importFixture('iwp-sin');
    const b = importFixture('iwp-sin');
    expect(readFileSync(a.out, 'utf8')).toBe(readFileSync(b.out, 'utf8'));
  });

  it('--json prints the summary for scripts', () => {
    const { r, out } = importFixture('difflogic-buffers', ['--json', '--name', 'fork_model']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ ok: true, name: 'fork_model', format: 'difflogic', inputs: 12, inputsFrom: 'option', gates: 54, widths: [30, 24], classes: 3, indicesFrom: 'state-dict buffers' });
    expect(loadNetlist(out).name).toBe('fork_model');
  });
});

describe('lgnc import: options and what the checkpoint does not say', () => {
  it('without --inputs, assumes max index + 1 and warns', () => {
    const out = join(tmp(), 'm.json');
    const r = lgnc(['import', join(DIR, 'difflogic-buffers.pt'), '-o', out, '--classes', '3']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: the checkpoint does not say how many inputs the model has; assuming 10/);
    expect(loadNetlist(out).inputs).toBe(10);
  });

  it('--inputs smaller than an index the first layer reads is refused', () => {
    const r = lgnc(['import', join(DIR, 'difflogic-buffers.pt'), '-o', join(tmp(), 'm.json'), '--classes', '3', '--inputs', '9']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is index 9, out of range: it reads the 9 inputs \(--inputs\) \(valid 0\.\.8\)/);
  });

  it('needs --classes when the checkpoint does not store them', () => {
    const r = lgnc(['import', join(DIR, 'difflogic-buffers.pt'), '-o', join(tmp(), 'm.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pass --classes K/);
  });

  it('refuses --classes that do not divide the last layer', () => {
    const r = lgnc(['import', join(DIR, 'difflogic-buffers.pt'), '-o', join(tmp(), 'm.json'), '--classes', '5', '--inputs', '12']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has 24 gates, not divisible by 5 classes/);
  });

  it('refuses a --format that contradicts the weight shapes', () => {
    const r = lgnc(['import', join(DIR, 'iwp-sin.pt'), '-o', join(tmp(), 'm.json'), '--format', 'difflogic']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format difflogic expects weights of shape \[gates, 16\].*pass --format iwp/);
  });

  it('iwp: asks for --activation when sin and sigmoid give different gates, and it matters', () => {
    const r = lgnc(['import', join(DIR, 'iwp-sigmoid.pt'), '-o', join(tmp(), 'm.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/gates come out differently with sin .* and sigmoid: pass --activation/);
    // The wrong activation gives a different network (so the stored predictions are not trivially met).
    const exp = expectedOf('iwp-sigmoid');
    const out = join(tmp(), 'wrong.json');
    expect(lgnc(['import', join(DIR, 'iwp-sigmoid.pt'), '-o', out, '--activation', 'sin']).code).toBe(0);
    expect(evaluate(out, exp).predictions).not.toEqual(exp.predictions);
  });

  it('iwp: no --activation needed when sin and sigmoid agree on every gate', () => {
    const { r } = importFixture('iwp-small-logits', ['--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'iwp', activationFrom: 'not needed' });
  });

  it('iwp: a logit whose activation is exactly 0.5 gives 1, as PyTorch eval (act >= 0.5) does; warned', () => {
    const { r, out } = importFixture('iwp-sin');
    expect(r.stderr).toMatch(/1 gate\(s\) sit within float rounding of a tie/);
    // Gate 0 of layer 0 has logits [0, float32(pi), -0, 1]: bits 1, 0, 1, 1 for AB = 00, 01, 10, 11.
    expect(loadNetlist(out).layers[0].op[0]).toBe(0b1011);
  });
});

describe('lgnc import: bad and malicious checkpoints are refused cleanly', () => {
  const BAD = join(DIR, 'bad');
  const expected: Record<string, string> = JSON.parse(readFileSync(join(BAD, 'expected.json'), 'utf8'));

  it('covers every file in fixtures/checkpoints/bad', () => {
    expect(Object.keys(expected).sort()).toEqual(readdirSync(BAD).filter((f) => f.endsWith('.pt')).sort());
  });

  // Every file in-process (fast): a UserError (exit 2) with the expected message, nothing else.
  it.each(Object.keys(expected))('%s', (file) => {
    let err: unknown;
    try {
      importCheckpoint(new Uint8Array(readFileSync(join(BAD, file))), file, { name: 'm', classes: 2 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).exitCode).toBe(2);
    expect((err as UserError).message).toContain(expected[file]);
  });

  // A few through the CLI: exit 2, one line, no stack, no output, and nothing ran.
  it.each(['evil-system.pt', 'evil-nested.pt', 'whole-model.pt', 'truncated.pt', 'index-out-of-range.pt'])('CLI: %s', (file) => {
    const cwd = tmp();
    const out = join(cwd, 'model.json');
    const r = lgnc(['import', join(BAD, file), '-o', out, '--classes', '2'], { cwd });
    expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(expected[file]);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(existsSync(out)).toBe(false);
    // The malicious pickles would `touch lgnc-pwned` in the working folder if anything ran them.
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('--json reports the refusal as JSON too', () => {
    const r = lgnc(['import', join(BAD, 'evil-system.pt'), '-o', join(tmp(), 'm.json'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('a missing file is a usage error', () => {
    const r = lgnc(['import', join(BAD, 'no-such.pt'), '-o', join(tmp(), 'm.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no such checkpoint file/);
  });
});
