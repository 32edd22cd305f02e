import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNetlist, loadNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { exhaustiveVectors, formatBinaryVectors } from '../../src/netlist/vectors.js';
import { CLI, fixture, lgnc } from '../helpers/cli.js';

const expected: Record<string, string> = JSON.parse(readFileSync(fixture('broken/expected.json'), 'utf8'));
const tmp = mkdtempSync(join(tmpdir(), 'lgnc-cli-'));

describe('lgnc CLI', () => {
  it('--help lists the commands with examples; exit 0', () => {
    const r = lgnc(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/check/);
    expect(r.stdout).toMatch(/eval/);
    expect(r.stdout).toMatch(/Examples:/);
    const sub = lgnc(['check', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toMatch(/\$ lgnc check model\.json/);
  });

  it('output piped into a reader that exits early (`| head`) ends quietly: exit 0, no stack trace', () => {
    // `true` exits without reading, so lgnc's write meets a closed pipe (EPIPE).
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${CLI}" train --help | true`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('unknown commands and options are usage errors: exit 2', () => {
    expect(lgnc(['frobnicate']).code).toBe(2);
    expect(lgnc(['check', fixture('xor.json'), '--bogus']).code).toBe(2);
    expect(lgnc(['eval', fixture('xor.json')]).code).toBe(2); // --vectors missing
  });

  it('check prints a summary with the op histogram', () => {
    const r = lgnc(['check', fixture('all-ops-deep.json')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/valid lgn-netlist v1/);
    expect(r.stdout).toMatch(/gates:\s+40/);
    expect(r.stdout).toMatch(/classes:\s+4 × 2 outputs/);
    expect(r.stdout).toMatch(/XNOR/);
  });

  it('check --json gives the numbers for scripts', () => {
    const r = lgnc(['check', fixture('same-input.json'), '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ ok: true, inputs: 5, unusedInputs: 3, layers: 2, gates: 12, classes: 2, outputsPerClass: 3 });
    expect(s.ops.XOR).toBe(3);
  });

  it.each(Object.entries(expected))('check broken/%s: its message, exit 2, no stack trace', (file, message) => {
    const r = lgnc(['check', fixture(`broken/${file}`)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const j = lgnc(['check', fixture(`broken/${file}`), '--json']);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, exitCode: 2 });
  });

  it('eval reads text vectors and prints class and scores', () => {
    const v = join(tmp, 'fa.txt');
    writeFileSync(v, '# a b cin\n000\n110\n111\n\n011\n');
    const r = lgnc(['eval', fixture('full-adder.json'), '--vectors', v, '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    // 110 means a=1, b=1, cin=0: sum 0 carry 1. 011: a=0, b=1, cin=1.
    expect(out.scores).toEqual([[0, 0], [0, 1], [1, 1], [0, 1]]);
    expect(out.predictions).toEqual([0, 1, 0, 1]);
    const table = lgnc(['eval', fixture('full-adder.json'), '--vectors', v]);
    expect(table.stdout).toMatch(/4 vectors, 2 classes/);
  });

  it('eval reads packed binary vectors identically', () => {
    const net = loadNetlist(fixture('all-ops-deep.json'));
    const x = exhaustiveVectors(net.inputs);
    const bin = join(tmp, 'v.bin');
    writeFileSync(bin, formatBinaryVectors(x));
    const txt = join(tmp, 'v.txt');
    writeFileSync(txt, Array.from({ length: 16 }, (_, s) => Array.from({ length: 4 }, (_, i) => (s >> i) & 1).join('')).join('\n'));
    const a = JSON.parse(lgnc(['eval', fixture('all-ops-deep.json'), '--vectors', bin, '--json']).stdout);
    const b = JSON.parse(lgnc(['eval', fixture('all-ops-deep.json'), '--vectors', txt, '--json']).stdout);
    expect(a.vectors).toBe(16);
    expect(a.scores).toEqual(b.scores);
  });

  it('eval rejects bad vector files with line and fix; exit 2', () => {
    const v = join(tmp, 'bad.txt');
    writeFileSync(v, '00\n012\n');
    let r = lgnc(['eval', fixture('xor.json'), '--vectors', v]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('bad.txt:2: vector has 3 bits, the network has 2 inputs');
    writeFileSync(v, '00\n0x\n');
    r = lgnc(['eval', fixture('xor.json'), '--vectors', v]);
    expect(r.stderr).toContain('bad.txt:2:2: unexpected character "x"');
    const bin = join(tmp, 'bad.bin');
    writeFileSync(bin, Buffer.from([1, 2, 3]));
    r = lgnc(['eval', fixture('all-ops-deep.json'), '--vectors', bin, '--format', 'bin']);
    expect(r.code).toBe(0); // 4 inputs → 1 byte per vector: 3 vectors
    r = lgnc(['eval', fixture('full-adder.json'), '--vectors', join(tmp, 'missing.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no such vector file');
  });

  it('check handles a 1,000,000-gate netlist', () => {
    const net = randomNetlist({ inputs: 784, widths: [200_000, 200_000, 200_000, 200_000, 200_000], classes: 10, seed: 9 });
    const file = join(tmp, 'million.json');
    writeFileSync(file, formatNetlist(net));
    const r = lgnc(['check', file, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, gates: 1_000_000, layers: 5 });
  });
});
