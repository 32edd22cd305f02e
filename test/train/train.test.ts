// The trainer end to end, in process: it learns (MONK-1 to 100 %, an MNIST slice far above
// chance), the frozen netlist computes exactly what the trainer's discrete forward computes,
// runs are reproducible, and a resumed run continues bit-identically.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/data/encoding.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { validateNetlist } from '../../src/netlist/netlist.js';
import { connectLayer } from '../../src/train/connect.js';
import { createTrainer, train, type TrainOptions } from '../../src/train/index.js';
import { mulberry32 } from '../../src/netlist/vectors.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-train-'));

/** A MONK-1 recipe that reaches 100 % frozen test accuracy (fixed seed, one thread). */
const MONK1: TrainOptions = { dataset: 'monk1', width: [128, 128, 128, 16], tau: 0.5, batch: 16, lr: 0.05, epochs: 300, seed: 4, threads: 1, param: 'softmax16', connect: 'unique' };
/** A small MNIST slice: 2 000 training and 2 000 test images. */
const MNIST_SLICE: TrainOptions = { dataset: 'mnist', limit: 2000, width: [1000, 1000, 500], tau: 3, batch: 32, lr: 0.03, epochs: 3, seed: 1, threads: 2, param: 'softmax16', connect: 'unique' };

describe('lgnc train (in process)', () => {
  it('MONK-1: 100 % frozen test accuracy on all 432 robots', async () => {
    const r = await train(MONK1);
    expect(r.frozenTestAccuracy).toBe(1);
    expect(r.netlist.meta).toMatchObject({ dataset: 'monk1', frozenTestAccuracy: 1, epochs: 300, seed: 4, threads: 1 });
    expect(r.history).toHaveLength(300);
    validateNetlist(r.netlist);
  });

  it('an MNIST slice learns far above chance (10 %), reported accuracy = the reference evaluator on the encoded test split', async () => {
    const r = await train(MNIST_SLICE);
    expect(r.frozenTestAccuracy).toBeGreaterThan(0.6);
    expect(r.softTestAccuracy).toBeGreaterThan(0.6);
    expect(r.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(r.history[2].loss).toBeLessThan(r.history[0].loss);
    // Recompute the frozen accuracy independently from the written netlist and raw data.
    const { loadDataset } = await import('../../src/data/load.js');
    const d = loadDataset('mnist', { limit: 2000 });
    const x = encode(r.netlist.encoding!, d.test.x, d.test.count);
    const pred = evaluateNetlist(r.netlist, x).predictions;
    const acc = pred.reduce((n, p, s) => n + (p === d.test.y[s] ? 1 : 0), 0) / d.test.count;
    expect(r.frozenTestAccuracy).toBe(acc);
    expect(r.netlist.encoding!.thresholds[0]).toEqual([127.5]);
  });

  it('a test split past 4,096 images: the frozen accuracy (compiled WebAssembly) = the reference evaluator\'s, per epoch too', async () => {
    const r = await train({ ...MNIST_SLICE, limit: 6000, epochs: 2 });
    const { loadDataset } = await import('../../src/data/load.js');
    const d = loadDataset('mnist', { limit: 6000 });
    expect(d.test.count).toBe(6000);
    const x = encode(r.netlist.encoding!, d.test.x, d.test.count);
    const pred = evaluateNetlist(r.netlist, x).predictions;
    const acc = pred.reduce((n, p, s) => n + (p === d.test.y[s] ? 1 : 0), 0) / d.test.count;
    expect(r.frozenTestAccuracy).toBe(acc);
    expect(r.history[1].frozenTestAccuracy).toBe(acc);
  });

  it.each([
    [1, 'softmax16'],
    [2, 'softmax16'],
    [2, 'iwp'],
    [2, 'gumbel'],
    [2, 'topk'],
    [2, 'dense'],
    [1, 'dense'],
  ] as const)('the frozen netlist gives exactly the trainer\'s discrete predictions and scores (%i threads, %s)', async (threads, kind) => {
    const param = kind === 'iwp' ? 'iwp' : 'softmax16';
    const connect = kind === 'topk' ? 'topk:4' : kind === 'dense' ? 'dense' : 'unique';
    const t = await createTrainer({ ...MNIST_SLICE, limit: 500, width: [300, 300, 100], threads, param, gumbel: kind === 'gumbel' ? 1 : 0, connect });
    try {
      for (let e = 0; e < 3; e++) t.runEpoch(e);
      const mine = t.discrete();
      const net = t.freeze({});
      const ev = evaluateNetlist(net, t.testSlices);
      expect(Array.from(ev.predictions)).toEqual(Array.from(mine.predictions));
      expect(Array.from(ev.scores)).toEqual(Array.from(mine.scores));
      // Not vacuous: the predictions vary (Gumbel training starts slowly, so only a little).
      expect(new Set(ev.predictions).size).toBeGreaterThan(kind === 'gumbel' ? 1 : 3);
    } finally {
      await t.close();
    }
  });

  it('same seed and thread count → identical netlist; another seed → a different one', async () => {
    const o = { ...MNIST_SLICE, limit: 300, width: [200, 100], epochs: 2 };
    const [a, b, c] = [await train(o), await train(o), await train({ ...o, seed: 2 })];
    expect(b.netlist.layers).toEqual(a.netlist.layers);
    expect(b.history.map((h) => [h.loss, h.frozenTestAccuracy])).toEqual(a.history.map((h) => [h.loss, h.frozenTestAccuracy]));
    expect(c.netlist.layers).not.toEqual(a.netlist.layers);
  });

  it.each(['softmax16', 'iwp', 'gumbel', 'topk', 'dense'] as const)('checkpoint + resume continues exactly where an uninterrupted run would be (%s)', async (param) => {
    const variant: Record<string, Partial<TrainOptions>> = {
      softmax16: {}, iwp: { param: 'iwp' }, gumbel: { gumbel: 1 }, topk: { connect: 'topk:3', shrink: '3:2' },
      dense: { connect: 'dense', shrink: '2:4,3:2' }, // resumed at the first shrink
    };
    const o: TrainOptions = { ...MNIST_SLICE, limit: 300, width: [200, 100], epochs: 4, ...variant[param] };
    const straight = await train(o);
    const ckpt = join(tmp, `run-${param}.ckpt`);
    const first = await train({ ...o, epochs: 2, checkpoint: ckpt, resume: true }); // no file yet: starts fresh
    expect(first.history).toHaveLength(2);
    const resumed = await train({ ...o, epochs: 4, checkpoint: ckpt, resume: true });
    expect(resumed.netlist.layers).toEqual(straight.netlist.layers);
    expect(resumed.history.map((h) => h.loss)).toEqual(straight.history.map((h) => h.loss));
    expect(resumed.frozenTestAccuracy).toBe(straight.frozenTestAccuracy);
    expect(resumed.netlist.meta).toMatchObject({ epochs: 4 });
  });

  it('iwp learns the MNIST slice too', async () => {
    const r = await train({ ...MNIST_SLICE, param: 'iwp' });
    expect(r.frozenTestAccuracy).toBeGreaterThan(0.5);
    expect(r.netlist.meta).toMatchObject({ config: { param: 'iwp', rho: 'sin' } });
  });

  it('Gumbel training learns the MNIST slice (slower start), with a small discretization gap', async () => {
    const r = await train({ ...MNIST_SLICE, gumbel: 1, tau: 10, lr: 0.05, epochs: 8 });
    expect(r.frozenTestAccuracy).toBeGreaterThan(0.3);
    expect(Math.abs(r.softTestAccuracy - r.frozenTestAccuracy)).toBeLessThan(0.1);
    expect(r.netlist.meta).toMatchObject({ config: { gumbel: 1 } });
  });

  it('topk:K learns the MNIST slice; freezing takes each input\'s argmax candidate', async () => {
    const t = await createTrainer({ ...MNIST_SLICE, connect: 'topk:4' });
    try {
      for (let e = 0; e < 3; e++) t.runEpoch(e);
      const net = t.freeze({});
      const K = 4;
      net.layers.forEach((layer, l) => {
        for (let j = 0; j < layer.a.length; j++) {
          const g = t.st.offsets[l] + j;
          const best = (logits: Float32Array) => {
            let k0 = 0;
            for (let k = 1; k < K; k++) if (logits[g * K + k] > logits[g * K + k0]) k0 = k;
            return k0;
          };
          expect(layer.a[j]).toBe(t.st.candA[g * K + best(t.st.clogA)]);
          expect(layer.b[j]).toBe(t.st.candB[g * K + best(t.st.clogB)]);
        }
      });
      const { netlistAccuracy } = await import('../../src/train/trainer.js');
      expect(netlistAccuracy(net, t.testSlices, t.data.test.y)).toBeGreaterThan(0.6);
    } finally {
      await t.close();
    }
  });

  it('dense: learns the MNIST slice; freezing takes each input\'s argmax signal, and shrinking keeps it', async () => {
    const t = await createTrainer({ ...MNIST_SLICE, connect: 'dense', shrink: '2:3', width: [400, 400, 200], batch: 64, lr: 0.05 });
    try {
      for (let e = 0; e < 2; e++) t.runEpoch(e);
      expect(t.connect).toBe(-1);
      const net = t.freeze({});
      const { widths } = t.st.shape;
      net.layers.forEach((layer, l) => {
        const P = l ? widths[l - 1] : t.st.shape.inputs;
        for (const j of [0, 1, widths[l] - 1]) {
          const row = Array.from(t.st.denseLogA.subarray(t.st.denseOffsets[l] + j * P, t.st.denseOffsets[l] + (j + 1) * P));
          expect(layer.a[j]).toBe(row.indexOf(Math.max(...row)));
        }
      });
      t.setConnect(3); // what epoch 3 starts with
      expect(t.freeze({}).layers).toEqual(net.layers);
      t.runEpoch(2);
      expect(t.connect).toBe(3);
      const { netlistAccuracy } = await import('../../src/train/trainer.js');
      expect(netlistAccuracy(t.freeze({}), t.testSlices, t.data.test.y)).toBeGreaterThan(0.3);
    } finally {
      await t.close();
    }
  });

  it('a time budget stops training early and still freezes a valid netlist', async () => {
    const r = await train({ ...MNIST_SLICE, limit: 2000, epochs: 50, timeBudget: 0.5 });
    expect(r.history.length).toBeLessThan(50);
    expect(r.netlist.meta).toMatchObject({ stoppedByTimeBudget: true });
    validateNetlist(r.netlist);
  });
});

describe('connectivity', () => {
  it('unique: every input feeds ⌊2W/n⌋ or ⌈2W/n⌉ gate inputs, and no gate reads one signal twice', () => {
    for (const [n, W] of [[784, 1000], [100, 30], [7, 1000]]) {
      const { a, b } = connectLayer('unique', n, W, mulberry32(n));
      const uses = new Array(n).fill(0);
      for (let g = 0; g < W; g++) {
        uses[a[g]]++;
        uses[b[g]]++;
        expect(a[g]).not.toBe(b[g]);
      }
      expect(Math.min(...uses)).toBeGreaterThanOrEqual(Math.floor((2 * W) / n));
      expect(Math.max(...uses)).toBeLessThanOrEqual(Math.ceil((2 * W) / n));
    }
  });

  it('random: indices in range, a ≠ b', () => {
    const { a, b } = connectLayer('random', 50, 2000, mulberry32(1));
    for (let g = 0; g < 2000; g++) {
      expect(a[g]).toBeLessThan(50);
      expect(b[g]).toBeLessThan(50);
      expect(a[g]).not.toBe(b[g]);
    }
    expect(new Set(a).size).toBe(50);
  });
});
