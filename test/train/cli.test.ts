// `lgnc train` as a user runs it: help with examples, a trained netlist on disk whose
// reported accuracy the reference evaluator confirms, JSON summary, and clear errors.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/data/encoding.js';
import { loadDataset } from '../../src/data/load.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { spawn } from 'node:child_process';
import { CLI, lgnc } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-train-cli-'));

describe('lgnc train (CLI)', () => {
  it('--help explains the flags with examples', () => {
    const r = lgnc(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Examples:/);
    expect(r.stdout).toMatch(/\$ lgnc train --dataset mnist --param softmax16 --connect unique --layers 6 --width 8000 --tau 10/);
    for (const flag of ['--dataset', '--encoding', '--checkpoint', '--resume', '--limit', '--threads', '--json', '--preset', '--shrink', '--shift', '--connect-temp', '--lr-schedule', '--redraw']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toMatch(/mnist-8k/);
    expect(r.stdout).toMatch(/fashion-8k/);
    expect(r.stdout.replace(/\s+/g, " ")).toMatch(/dense \(learnable over all signals of the previous layer\)/);
  });

  it('a preset with an override trains (MONK-1 with the mnist-8k recipe cut down); meta records the preset; a bad one exits 2', () => {
    const out = join(tmp, 'preset.json');
    const r = lgnc(['train', '--dataset', 'monk1', '--preset', 'mnist-8k', '--width', '40,20', '--epochs', '2', '--shift', '0', '--encoding', 'uniform:1', '--threads', '1', '-o', out, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    // The preset's values under the given ones (src/train/config.ts PRESETS).
    expect(s.config).toMatchObject({ preset: 'mnist-8k', widths: [40, 20], epochs: 2, connect: 'topk:16', lr: 0.05, redraw: [4, 128], lrSchedule: 'decay:0.4', shift: 0, harden: { parts: 1, fraction: 0.5 }, average: 0.125 });
    // The preset's averaging, cut down to 2 epochs, averages the last one (its re-draws run to the end).
    expect(s.averagedEpochs).toEqual({ from: 2, to: 2, count: 1 });
    expect(loadNetlist(out).meta).toMatchObject({ config: { preset: 'mnist-8k' } });
    const bad = lgnc(['train', '--dataset', 'monk1', '--preset', 'nope', '-o', join(tmp, 'nope.json')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--preset/);
  });

  it('trains MONK-2, writes a valid netlist; --json reports what the reference evaluator confirms', () => {
    const out = join(tmp, 'monk2.json');
    const r = lgnc(['train', '--dataset', 'monk2', '--width', '64,64,16', '--tau', '1', '--batch', '16', '--lr', '0.05', '--epochs', '20', '--threads', '1', '-o', out, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ ok: true, output: out, dataset: 'monk2', gates: 144, inputs: 17, classes: 2, epochs: 20 });
    expect(s.history).toHaveLength(20);
    expect(r.stderr).toMatch(/epoch 20\/20: loss [\d.]+, train [\d.]+%, test soft [\d.]+%, frozen [\d.]+%/);
    const net = loadNetlist(out);
    const d = loadDataset('monk2');
    const pred = evaluateNetlist(net, encode(net.encoding!, d.test.x, d.test.count)).predictions;
    const acc = pred.reduce((n, p, i) => n + (p === d.test.y[i] ? 1 : 0), 0) / d.test.count;
    expect(s.frozenTestAccuracy).toBe(acc);
    expect(net.meta).toMatchObject({ trainer: 'lgnc train', dataset: 'monk2', encoding: 'uniform:1', seed: 1, epochs: 20, frozenTestAccuracy: acc });
    expect(lgnc(['check', out]).code).toBe(0);
  });

  it('trains on a CSV file with a quantile encoding', () => {
    const csv = join(tmp, 'xor.csv');
    const rows = ['u,v,label'];
    for (let i = 0; i < 200; i++) {
      const u = ((i * 37) % 100) / 100;
      const v = ((i * 61) % 100) / 100;
      rows.push(`${u},${v},${(u > 0.5) !== (v > 0.5) ? 'odd' : 'even'}`);
    }
    writeFileSync(csv, rows.join('\n'));
    const out = join(tmp, 'xor.json');
    const r = lgnc(['train', '--dataset', `csv:${csv}`, '--label', 'label', '--encoding', 'quantile:3', '--width', '32,8', '--tau', '1', '--batch', '8', '--lr', '0.05', '--epochs', '40', '--threads', '1', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/wrote .*xor\.json: 40 gates, frozen test accuracy/);
    const net = loadNetlist(out);
    expect(net.encoding!.features).toBe(2);
    expect(net.inputs).toBe(6);
    expect(net.meta!.frozenTestAccuracy).toBeGreaterThan(0.8);
  });

  it.each([
    [['--dataset', 'cifar'], /unknown dataset "cifar": use one of mnist/],
    [['--dataset', 'monk1', '--epochs', 'many'], /--epochs must be a whole number >= 0/],
    [['--dataset', 'monk1', '--width', '10,0'], /give gates per layer/],
    [['--dataset', 'monk1', '--width', '15'], /last layer has 15 gates, not divisible by the 2 classes of monk1/],
    [['--dataset', 'monk1', '--layers', '2', '--width', '10,10,10'], /--layers 2 does not match --width 10,10,10/],
    [['--dataset', 'monk1', '--encoding', 'thermo:3'], /expected uniform:K or quantile:K/],
    [['--dataset', 'monk1', '--init', 'zeros'], /argument 'zeros' is invalid/],
    [['--dataset', 'monk1', '--resume'], /--resume needs --checkpoint FILE/],
    [['--dataset', 'csv:/nonexistent/data.csv'], /\/nonexistent\/data\.csv: no such CSV file/],
    [['--dataset', 'monk1', '--tau', '-1'], /--tau must be a number > 0/],
  ])('bad input %j: exit 2, one clear line, no stack trace', (args, msg) => {
    const r = lgnc(['train', ...args, '-o', join(tmp, 'never.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a model too big for the trainer\'s 4 GiB memory is refused with its size, before any output', () => {
    const out = join(tmp, 'huge.json');
    const r = lgnc(['train', '--dataset', 'monk1', '--width', '2000000,10', '--epochs', '1', '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs \d+\.\d GiB of state .* at most 4 GiB\. Use narrower layers, a smaller --batch/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(out)).toBe(false);
    // Dense connections: W × P weights per layer (here 2 × 12,000 × 12,000 per side, 8 arrays).
    const dense = lgnc(['train', '--dataset', 'monk1', '--connect', 'dense', '--width', '12000,12000,10', '--epochs', '1', '-o', out]);
    expect(dense.code).toBe(2);
    expect(dense.stderr).toMatch(/needs \d+\.\d GiB of state .*--connect topk:K instead of dense/);
    expect(existsSync(out)).toBe(false);
  });

  it('a corrupt checkpoint is refused with the fix', () => {
    const ck = join(tmp, 'bad.ckpt');
    writeFileSync(ck, 'not a checkpoint');
    const r = lgnc(['train', '--dataset', 'monk1', '--checkpoint', ck, '--resume', '-o', join(tmp, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.ckpt: not a usable lgnc checkpoint \(bad magic\)\. Delete it/);
  });

  it('a checkpoint header with hostile sizes is refused before anything is allocated', () => {
    // A real checkpoint, then its header rewritten: the config's widths and the epoch count.
    const ck = join(tmp, 'real.ckpt');
    const ok = lgnc(['train', '--dataset', 'monk1', '--width', '40,20', '--epochs', '1', '--checkpoint', ck, '-o', join(tmp, 'ok.json')]);
    expect(ok.code).toBe(0);
    const buf = readFileSync(ck);
    const n = buf.readUInt32LE(9);
    const header = JSON.parse(buf.toString('utf8', 13, 13 + n));
    const rewrite = (name: string, edit: (h: any) => void) => {
      const h = structuredClone(header);
      edit(h);
      const json = Buffer.from(JSON.stringify(h));
      const len = Buffer.alloc(4);
      len.writeUInt32LE(json.length);
      const path = join(tmp, name);
      writeFileSync(path, Buffer.concat([buf.subarray(0, 9), len, json, Buffer.alloc(64)]));
      return lgnc(['train', '--dataset', 'monk1', '--checkpoint', path, '--resume', '-o', join(tmp, 'x.json')]);
    };
    const wide = rewrite('wide.ckpt', (h) => { h.config.widths = [1e9, 20]; });
    expect(wide.code).toBe(2);
    expect(wide.stderr).toMatch(/wide\.ckpt: not a usable lgnc checkpoint \(--width 1000000000: every width must be a whole number of gates in 1\.\.4194304\.\)/);
    const epochs = rewrite('epochs.ckpt', (h) => { h.epochsDone = -3; });
    expect(epochs.code).toBe(2);
    expect(epochs.stderr).toMatch(/epochs\.ckpt: not a usable lgnc checkpoint \(header: epochsDone -3 is not a count of epochs\)/);
    const threads = rewrite('threads.ckpt', (h) => { h.config.threads = 1e6; });
    expect(threads.code).toBe(2);
    expect(threads.stderr).toMatch(/--threads 1000000: must be a whole number in 1\.\.64/);
    const averaged = rewrite('averaged.ckpt', (h) => { h.averaged = 5; });
    expect(averaged.code).toBe(2);
    expect(averaged.stderr).toMatch(/averaged\.ckpt: not a usable lgnc checkpoint \(header: averaged 5 is not a count of finished epochs\)/);
    const average = rewrite('average.ckpt', (h) => { h.config.average = 'all'; });
    expect(average.code).toBe(2);
    expect(average.stderr).toMatch(/--average "all": give the fraction of the epochs/);
    for (const r of [wide, epochs, threads, averaged, average]) expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(tmp, 'x.json'))).toBe(false);
  });

  it('SIGTERM stops a checkpointing run at once, not at the end of the epoch', async () => {
    const ck = join(tmp, 'sig.ckpt');
    const out = join(tmp, 'sig.json');
    const child = spawn(process.execPath, [CLI, 'train', '--dataset', 'mnist', '--limit', '20000', '--width', '2000,2000,1000', '--epochs', '40', '--threads', '1', '--checkpoint', ck, '-o', out], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    while (!existsSync(ck)) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500)); // well into the next epoch
    const t0 = performance.now();
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(existsSync(out)).toBe(false);
  }, 120_000);
});
