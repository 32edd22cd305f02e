// Hostile input across every command, as a user (or a CI script) would give it: the spawned
// CLI must refuse each with exit 2 and one line naming the file or option, what is wrong and
// the fix — quickly (before any tool runs), without a stack trace, and without leaving any file
// behind (each case runs in its own folder with TMPDIR and LGNC_CACHE_DIR inside it).

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { fixture, lgncAsync } from '../helpers/cli.js';

const root = mkdtempSync(join(tmpdir(), 'lgnc-hostile-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const XOR = JSON.parse(readFileSync(fixture('xor.json'), 'utf8'));
const model = (patch: Record<string, unknown>) => JSON.stringify({ ...XOR, ...patch });

interface Case {
  name: string;
  args: string[];
  /** Input files to create in the case's folder (a string: a file; null: a folder). */
  files?: Record<string, string | null>;
  /** Runs after the files exist (e.g. compile a build to damage). */
  setup?: (dir: string) => void;
  env?: Record<string, string>;
  message: RegExp;
}

function buildWithManifest(dir: string, patch: Record<string, unknown>): void {
  const m = compileToDir(fixture('xor.json'), join(dir, 'build'));
  writeFileSync(join(dir, 'build', `${m.top}.json`), JSON.stringify({ ...m, ...patch }));
}

const CASES: Case[] = [
  // check
  { name: 'check: inputs 10^12', args: ['check', 'big.json'], files: { 'big.json': model({ inputs: 1e12 }) }, message: /^lgnc: error: big\.json: \/inputs: "inputs" 1,000,000,000,000 is more than lgnc's limit of 1,048,576 input bits/ },
  { name: 'check: a device', args: ['check', '/dev/zero'], message: /\/dev\/zero: is a device or socket, not a netlist file. Give a regular file/ },
  { name: 'check: cut-off JSON', args: ['check', 'cut.json'], files: { 'cut.json': model({}).slice(0, 60) }, message: /cut\.json: not valid JSON \(.*\)\. Is this an lgn-netlist file\?/ },
  { name: 'check: a folder', args: ['check', 'dir'], files: { dir: null }, message: /dir: is a folder, expected a netlist file/ },
  // eval
  { name: 'eval: vectors from a device', args: ['eval', 'm.json', '--vectors', '/dev/urandom'], files: { 'm.json': model({}) }, message: /\/dev\/urandom: is a device or socket, not a vector file/ },
  { name: 'eval: vectors of the wrong width', args: ['eval', 'm.json', '--vectors', 'v.txt'], files: { 'm.json': model({}), 'v.txt': '010\n' }, message: /v\.txt:1: vector has 3 bits, the network has 2 inputs/ },
  // compile
  { name: 'compile: inputs near 2^31 (ran for minutes)', args: ['compile', 'big.json', '-o', 'out'], files: { 'big.json': model({ inputs: 2 ** 31 - 1 }) }, message: /big\.json: \/inputs: "inputs" 2,147,483,647 is more than lgnc's limit/ },
  { name: 'compile: -o under a file', args: ['compile', 'm.json', '-o', 'afile/sub'], files: { 'm.json': model({}), afile: 'x' }, message: /afile\/sub: cannot write the output folder \(-o\): .*afile is a file, not a folder. Choose another path/ },
  { name: 'compile: -o in /proc (hung forever)', args: ['compile', 'm.json', '-o', '/proc/lgnc-build'], files: { 'm.json': model({}) }, message: /\/proc\/lgnc-build: cannot write the output folder \(-o\) there: \/proc is on proc, a pseudo-filesystem/ },
  { name: 'compile: -o in /sys', args: ['compile', 'm.json', '-o', '/sys/lgnc/build'], files: { 'm.json': model({}) }, message: /\/sys is on sysfs, a pseudo-filesystem of the kernel, not a disk/ },
  { name: 'compile: -o name too long', args: ['compile', 'm.json', '-o', 'b'.repeat(300)], files: { 'm.json': model({}) }, message: /a name of 300 bytes; file systems allow at most 255. Choose a shorter name/ },
  { name: 'compile: -o is a file', args: ['compile', 'm.json', '-o', 'm.json'], files: { 'm.json': model({}) }, message: /m\.json: the output folder \(-o\) is a file, not a folder/ },
  // verify
  { name: 'verify: --vectors beyond the limit', args: ['verify', 'm.json', '--vectors', '99999999999'], files: { 'm.json': model({}) }, message: /--vectors: 99,999,999,999 is more than lgnc's limit of 16,777,216 vectors/ },
  { name: 'verify: a manifest whose top leaves the folder', args: ['verify', '--build', 'build'], files: {}, setup: (d) => buildWithManifest(d, { top: '../../x', verilog: '../../x.v' }), message: /build\/xor_\.json: \/top: must match pattern .*recompile with `lgnc compile MODEL -o DIR`/ },
  { name: 'verify: a manifest with a string for inputs', args: ['verify', '--build', 'build'], files: {}, setup: (d) => buildWithManifest(d, { inputs: 'many' }), message: /build\/xor_\.json: \/inputs: must be integer/ },
  { name: 'verify: LGNC_CACHE_DIR in /proc', args: ['verify', 'm.json'], files: { 'm.json': model({}) }, env: { LGNC_CACHE_DIR: '/proc/lgnc-cache' }, message: /\/proc\/lgnc-cache\/verilator: cannot write the simulator cache folder \(set LGNC_CACHE_DIR to change it\) there: \/proc is on proc|verilator.*(install|not found)/ },
  { name: 'verify: the core Verilog is a folder', args: ['verify', '--build', 'build'], files: {}, setup: (d) => { buildWithManifest(d, {}); rmSync(join(d, 'build', 'xor_.v')); mkdirSync(join(d, 'build', 'xor_.v')); }, message: /build\/xor_\.v: is a folder, expected a Verilog file|verilator.*(install|not found)/ },
  { name: 'verify: the core Verilog is /dev/zero (hung)', args: ['verify', '--build', 'build'], files: {}, setup: (d) => { buildWithManifest(d, {}); rmSync(join(d, 'build', 'xor_.v')); symlinkSync('/dev/zero', join(d, 'build', 'xor_.v')); }, message: /build\/xor_\.v: is a device or socket, not a Verilog file|verilator.*(install|not found)/ },
  // synth
  { name: 'synth: a damaged manifest (before Yosys runs)', args: ['synth', 'build'], files: {}, setup: (d) => buildWithManifest(d, { scoreWidth: 40 }), message: /build\/xor_\.json: \/scoreWidth: must be <= 32/ },
  { name: 'synth: the build folder is a file', args: ['synth', 'afile'], files: { afile: 'x' }, message: /afile: the build folder is a file, not a folder/ },
  // flow
  { name: 'flow: -o in /proc', args: ['flow', 'm.json', '-o', '/proc/lgnc-flow'], files: { 'm.json': model({}) }, message: /\/proc\/lgnc-flow: cannot write the output folder \(-o\) there: \/proc is on proc/ },
  { name: 'flow: classes beyond the limit', args: ['flow', 'big.json', '-o', 'out'], files: { 'big.json': model({ output: { kind: 'groupsum', classes: 1e9 } }) }, message: /big\.json: \/output\/classes: "classes" 1,000,000,000 is more than lgnc's limit of 65,536 classes/ },
  { name: 'flow: --vectors not a number', args: ['flow', 'm.json', '-o', 'out', '--vectors', '1e99'], files: { 'm.json': model({}) }, message: /--vectors 1e99: must be a whole number >= 0 and <= 16,777,216/ },
  // train (refused before any data loads)
  { name: 'train: --width beyond the limit', args: ['train', '--dataset', 'mnist', '--width', '99999999'], message: /--width: 99,999,999 is more than lgnc's limit of 4,194,304 gates per layer/ },
  { name: 'train: --layers × --width beyond the limit', args: ['train', '--dataset', 'mnist', '--layers', '1000', '--width', '4000000'], message: /--layers × --width: 4,000,000,000 is more than lgnc's limit of 16,777,216 gates in all/ },
  { name: 'train: --batch beyond the limit', args: ['train', '--dataset', 'mnist', '--batch', '10000000'], message: /--batch: 10,000,000 is more than lgnc's limit of 65,536 samples per step/ },
  { name: 'train: --epochs beyond the limit', args: ['train', '--dataset', 'mnist', '--epochs', '99999999999'], message: /--epochs: 99,999,999,999 is more than lgnc's limit of 1,000,000 epochs/ },
  { name: 'train: --limit beyond the limit', args: ['train', '--dataset', 'mnist', '--limit', '99999999999'], message: /--limit: 99,999,999,999 is more than lgnc's limit of 67,108,864 samples/ },
  { name: 'train: -o in /sys', args: ['train', '--dataset', 'monk1', '-o', '/sys/model.json'], message: /\/sys\/model\.json: cannot write the output file \(-o\) there: \/sys is on sysfs/ },
  { name: 'train: --checkpoint under a file', args: ['train', '--dataset', 'monk1', '--checkpoint', 'afile/ck'], files: { afile: 'x' }, message: /afile\/ck: cannot write the checkpoint file \(--checkpoint\): .*afile is a file, not a folder/ },
  { name: 'train: a CSV with a huge class index', args: ['train', '--dataset', 'csv:d.csv', '-o', 'm.json'], files: { 'd.csv': 'a,b\n1,0\n2,1\n3,99999999999\n' }, message: /d\.csv: the label column has class index 99999999999, more than lgnc's limit of 65,536 classes/ },
  // import
  { name: 'import: -o under a file (before reading)', args: ['import', 'x.pt', '-o', 'afile/m.json', '--classes', '2'], files: { 'x.pt': 'not a zip', afile: 'x' }, message: /afile\/m\.json: cannot write the output file \(-o\): .*afile is a file, not a folder/ },
  { name: 'import: --inputs beyond the limit', args: ['import', 'x.pt', '-o', 'm.json', '--inputs', '1000000000000'], files: { 'x.pt': 'x' }, message: /--inputs: 1,000,000,000,000 is more than lgnc's limit of 1,048,576 input bits/ },
  { name: 'import: a cut-off checkpoint', args: ['import', 'cut.pt', '-o', 'm.json', '--classes', '2'], files: {}, setup: (d) => writeFileSync(join(d, 'cut.pt'), readFileSync(fixture('checkpoints/difflogic-trained.pt')).subarray(0, 5000)), message: /cut\.pt: truncated archive/ },
];

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe.concurrent('hostile input: exit 2, one line with the fix, nothing left behind', () => {
  it.each(CASES)('$name', async (c) => {
    const dir = join(root, c.name.replace(/[^A-Za-z0-9]+/g, '-'));
    mkdirSync(join(dir, 'tmp'), { recursive: true });
    for (const [f, text] of Object.entries(c.files ?? {})) {
      if (text === null) mkdirSync(join(dir, f));
      else writeFileSync(join(dir, f), text);
    }
    c.setup?.(dir);
    const before = tree(dir);
    const t0 = performance.now();
    const r = await lgncAsync(c.args, { cwd: dir, env: { TMPDIR: join(dir, 'tmp'), LGNC_CACHE_DIR: join(dir, 'tmp', 'cache'), ...c.env }, timeoutMs: 60_000 });
    const seconds = (performance.now() - t0) / 1000;
    expect(r.stderr).toMatch(c.message);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(tree(dir)).toEqual(before);
    expect(seconds).toBeLessThan(30);
  });
});
