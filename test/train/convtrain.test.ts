// Training conv models (--conv) as a user runs it: the frozen v2 netlist's reported accuracy
// is the reference evaluator's, the trainer's own hard forward predicts what the netlist
// predicts, a seed and thread count give the same netlist, a resumed run the same as a
// straight one, the presets parse and bad specs are refused (exit 2, nothing written), and
// a small trained conv model compiles and passes `lgnc verify` under Verilator.

import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/data/encoding.js';
import { loadDataset } from '../../src/data/load.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { gateCount, loadNetlist, validateNetlist } from '../../src/netlist/netlist.js';
import { PRESETS, resolveConfig, train, withPreset } from '../../src/train/index.js';
import { createConvTrainer } from '../../src/train/convtrain.js';
import { PAR } from '../../src/train/convpool.js';
import { paramOf } from '../../src/train/param.js';
import { opCoefficients } from '../../src/train/softmax16.js';
import { lgnc } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-conv-train-'));
const TINY = { dataset: 'mnist', limit: 600, conv: 'conv:4:d2,pool,conv:6:d2,pool', width: [200, 100], tau: 1, epochs: 1, batch: 20, lr: 0.05, init: 'residual', seed: 3 } as const;

describe('training conv models', () => {
  it('writes a v2 netlist (conv, orpool, flatten, gates) whose reported frozen accuracy is the reference evaluator\'s; the trainer\'s hard forward predicts the same', async () => {
    const r = await train({ ...TINY, width: [...TINY.width], epochs: 2, threads: 2 });
    const net = r.netlist;
    expect(net.version).toBe(2);
    validateNetlist(JSON.parse(JSON.stringify(net)));
    expect(net.layers.map((l) => (l as { kind?: string }).kind ?? 'gates')).toEqual(['conv', 'orpool', 'conv', 'orpool', 'flatten', 'gates', 'gates']);
    const d = loadDataset('mnist', { limit: 600 });
    const pred = evaluateNetlist(net, encode(net.encoding!, d.test.x, d.test.count)).predictions;
    const acc = pred.reduce((n, p, i) => n + (p === d.test.y[i] ? 1 : 0), 0) / d.test.count;
    expect(r.frozenTestAccuracy).toBe(acc);
    expect(r.history[1].frozenTestAccuracy).toBe(acc);
    expect(acc).toBeGreaterThan(0.2); // above chance (0.1) after two short epochs
    expect(net.meta).toMatchObject({ epochs: 2, threads: 2, config: { conv: TINY.conv } });
    expect(r.gateSamplesPerSecond).toBeGreaterThan(0);
    // Gate usage counts the unrolled gates; residual init leaves pass-throughs, some trees see only padding.
    expect(r.gateUsage.gates).toBe(gateCount(net));
    expect(r.gateUsage.passThrough).toBeGreaterThan(0);
    expect(r.gateUsage.unusedFraction).toBeLessThan(1);

    const t = await createConvTrainer({ ...TINY, width: [...TINY.width], threads: 2 });
    try {
      t.runEpoch(0);
      const hard = t.discrete();
      const frozen = evaluateNetlist(t.freeze({}), t.test.x).predictions;
      expect(Array.from(hard.predictions)).toEqual(Array.from(frozen));
    } finally {
      await t.close();
    }
  }, 120_000);

  it('is deterministic for a seed and thread count; a resumed run equals a straight one', async () => {
    const base = { ...TINY, width: [...TINY.width], encoding: 'uniform:2', shift: 1, threads: 2 };
    const a = await train({ ...base, epochs: 2 });
    const b = await train({ ...base, epochs: 2 });
    expect(JSON.stringify(b.netlist.layers)).toBe(JSON.stringify(a.netlist.layers));
    const c = await train({ ...base, epochs: 2, seed: 4 });
    expect(JSON.stringify(c.netlist.layers)).not.toBe(JSON.stringify(a.netlist.layers));
    // uniform:2: a first layer of wires puts the pixel-major bits into channel-major order.
    expect((a.netlist.layers[1] as { input: number[] }).input).toEqual([2, 28, 28]);
    const ckpt = join(tmp, 'conv.ckpt');
    await train({ ...base, epochs: 1, checkpoint: ckpt });
    const resumed = await train({ ...base, dataset: 'mnist', epochs: 2, checkpoint: ckpt, resume: true });
    expect(JSON.stringify(resumed.netlist.layers)).toBe(JSON.stringify(a.netlist.layers));
    expect(resumed.history.map((h) => h.frozenTestAccuracy)).toEqual(a.history.map((h) => h.frozenTestAccuracy));
  }, 180_000);

  it('--harden gates:F trains the last epochs on the frozen ops forward (straight-through), deterministic, recorded in meta', async () => {
    const base = { ...TINY, width: [...TINY.width], epochs: 2, threads: 2 };
    const t = await createConvTrainer({ ...base, harden: 'gates:0.5' });
    try {
      const frozenOp = paramOf('iwp').frozenOp;
      t.runEpoch(0);
      expect(t.sh.par[PAR.HARDEN]).toBe(0);
      const before = Float32Array.from(t.logits);
      t.runEpoch(1);
      expect(t.sh.par[PAR.HARDEN]).toBe(1);
      // The forward's coefficients are the frozen ops of the parameters after the last update...
      const want = new Float32Array(4 * t.model.gates);
      for (let g = 0; g < t.model.gates; g++) opCoefficients(frozenOp(t.logits, g), want, g);
      expect(Array.from(t.sh.hard)).toEqual(Array.from(want));
      // ...the soft gradient still moves the parameters...
      expect(t.logits.some((x, i) => x !== before[i])).toBe(true);
      // ...and a hardened step's forward is the frozen netlist: same correct count on the batch.
      const B = 20;
      t.sh.batchIdx.set(Int32Array.from({ length: B }, (_, i) => i));
      const r = t.pool.step(B, t.config.tau, t.step + 1);
      const x = encode(t.encoding, t.data.train.x, B);
      const pred = evaluateNetlist(t.freeze({}), x).predictions;
      expect(r.correct).toBe(pred.reduce((n, p, i) => n + (p === t.data.train.y[i] ? 1 : 0), 0));
    } finally {
      await t.close();
    }
    const [a, b, none] = [await train({ ...base, harden: 'gates:0.5' }), await train({ ...base, harden: 'gates:0.5' }), await train(base)];
    expect(JSON.stringify(b.netlist.layers)).toBe(JSON.stringify(a.netlist.layers));
    expect(JSON.stringify(none.netlist.layers)).not.toBe(JSON.stringify(a.netlist.layers));
    // The epoch before the hardened one is the plain run's.
    expect(a.history[0].frozenTestAccuracy).toBe(none.history[0].frozenTestAccuracy);
    expect(a.history[0].loss).toBe(none.history[0].loss);
    expect(a.netlist.meta).toMatchObject({ config: { harden: { parts: 2, fraction: 0.5 } } });
  }, 180_000);

  it('the conv presets parse; options given with them win', () => {
    for (const name of ['mnist-conv', 'fashion-conv']) {
      const o = withPreset({ dataset: 'mnist', preset: name, epochs: 3 });
      expect(o.conv).toBe(PRESETS[name].options.conv);
      const c = resolveConfig({ ...o, connect: o.connect ?? 'unique' }, 10, 'uniform:1');
      expect(c).toMatchObject({ preset: name, epochs: 3, conv: PRESETS[name].options.conv });
    }
  });
});

describe('lgnc train --conv (CLI)', () => {
  it('--help lists --conv and the conv presets', () => {
    const r = lgnc(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--conv');
    expect(r.stdout).toMatch(/mnist-conv/);
    expect(r.stdout).toMatch(/fashion-conv/);
  });

  for (const [args, message] of [
    [['--conv', 'conv:8,dense:3'], /--conv "conv:8,dense:3": stage "dense:3" is neither conv nor pool; give stages/],
    [['--conv', 'conv:8,pool:8,conv:8:r5:p0'], /stage 3 \(conv\): the 5 × 5 receptive field does not fit its 8 × 3 × 3 input with padding 0/],
    [['--conv', 'conv:8,pool:8,pool:8'], /pooling window does not fit its 8 × 3 × 3 input/],
    [['--conv', 'conv:8', '--connect', 'topk:4'], /fixed connections \(--connect unique or random\)/],
    [['--conv', 'conv:8', '--width', '105'], /not divisible by the 10 classes/],
    [['--conv', 'conv:8', '--harden', '0.25'], /--harden with --conv: a conv model's wires are fixed, so only its gates harden; use --harden gates:F/],
    [['--conv', 'conv:4096', '--batch', '2'], /--conv "conv:4096": the conv model: \/layers\/0: the network unrolls to more than .* gates, more than lgnc's limit/],
  ] as const) {
    it(`refuses ${args.join(' ')} with exit 2, one clear line and no file`, () => {
      const out = join(tmp, 'bad.json');
      const r = lgnc(['train', '--dataset', 'mnist', '--limit', '50', ...args, '-o', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('refuses --conv on data that is not square images, with exit 2', () => {
    const r = lgnc(['train', '--dataset', 'monk1', '--conv', 'conv:4', '-o', join(tmp, 'monk.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--conv: needs square images with the same thresholds for every pixel/);
  });

  it('a small trained conv model (softmax16) compiles and passes lgnc verify under Verilator', () => {
    const out = join(tmp, 'small.json');
    const r = lgnc(['train', '--dataset', 'mnist', '--limit', '300', '--conv', 'conv:3:d2,pool:4,conv:4:d2:r2:p0,pool', '--width', '60,30', '--tau', '2', '--epochs', '1', '--batch', '50', '--param', 'softmax16', '--threads', '2', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.frozenTestAccuracy).toBe(loadNetlist(out).meta!.frozenTestAccuracy);
    const build = join(tmp, 'build');
    expect(lgnc(['compile', out, '-o', build]).code).toBe(0);
    const v = lgnc(['verify', '--build', build, '--vectors', '500'], { timeoutMs: 300_000 });
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout).toContain('OK: 0 mismatches in 500 vectors');
  }, 300_000);
});
