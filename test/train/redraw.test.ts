// Candidate re-drawing (`--redraw R:E`, topk:K): each gate input's R weakest candidates get
// new sources after each of the first E epochs; the argmax stays; the draws repeat for a
// seed (and across a resume); the frozen net is valid and its accuracy is the reference
// evaluator's.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/data/encoding.js';
import { loadDataset } from '../../src/data/load.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { validateNetlist } from '../../src/netlist/netlist.js';
import { lrFactor, resolveConfig } from '../../src/train/config.js';
import { createTrainer, train, type TrainOptions } from '../../src/train/index.js';
import { redrawCandidates, redrawRandom } from '../../src/train/redraw.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-redraw-'));
const SLICE: TrainOptions = { dataset: 'mnist', limit: 500, width: [300, 300, 100], tau: 3, batch: 32, lr: 0.05, epochs: 3, seed: 1, threads: 2, param: 'iwp', connect: 'topk:4', redraw: '2:2' };

describe('redrawCandidates', () => {
  it('replaces the R weakest candidates by sources the input does not hold, keeps the argmax, and starts them at the weakest survivor', () => {
    const K = 4, P = 50;
    const s = {
      cand: Int32Array.from([3, 7, 9, 11, /* gate 1 */ 0, 1, 2, 3]),
      clog: Float32Array.from([0.5, -2, 3, -1, /* ties: all equal */ 1, 1, 1, 1]),
      cm: Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]),
      cv: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]),
    };
    const n = redrawCandidates(s, K, 2, 0, 2, P, redrawRandom(1, 1));
    expect(n).toBe(4);
    // Gate 0: k=1 (-2) and k=3 (-1) are the weakest; k=0 (0.5) is the weakest survivor.
    expect([s.cand[0], s.cand[2]]).toEqual([3, 9]);
    for (const k of [1, 3]) {
      expect(s.cand[k]).not.toBe([7, 11][k >> 1]);
      expect(s.clog[k]).toBe(0.5);
      expect(s.cm[k]).toBe(0);
      expect(s.cv[k]).toBeCloseTo(0.1);
    }
    // Gate 1, all tied: the argmax is k=0 (ties to the lowest k), so k=3 and k=2 go.
    expect([s.cand[4], s.cand[5]]).toEqual([0, 1]);
    expect(s.cand[6]).not.toBe(2);
    expect(s.cand[7]).not.toBe(3);
    for (const o of [0, 4]) {
      const held = Array.from(s.cand.subarray(o, o + K));
      expect(new Set(held).size).toBe(K);
      held.forEach((c) => expect(c >= 0 && c < P).toBe(true));
    }
  });

  it('leaves an input alone when the layer below has no other source', () => {
    const s = { cand: Int32Array.from([0, 1, 2]), clog: Float32Array.from([0, 1, 2]), cm: new Float32Array(3), cv: new Float32Array(3) };
    expect(redrawCandidates(s, 3, 1, 0, 1, 3, redrawRandom(1, 1))).toBe(0);
    expect(Array.from(s.cand)).toEqual([0, 1, 2]);
  });
});

describe('lgnc train --redraw', () => {
  it('after each of the first E epochs, every input gets exactly R new candidates; none after', async () => {
    const t = await createTrainer(SLICE);
    try {
      const snap = () => [Int32Array.from(t.st.candA), Int32Array.from(t.st.candB)];
      const argmax = (c: Int32Array, l: Float32Array, g: number) => {
        let b = 0;
        for (let k = 1; k < 4; k++) if (l[g * 4 + k] > l[g * 4 + b]) b = k;
        return c[g * 4 + b];
      };
      let before = snap();
      for (let e = 0; e < 4; e++) {
        const best = Array.from({ length: t.st.gates }, (_, g) => [argmax(t.st.candA, t.st.clogA, g), argmax(t.st.candB, t.st.clogB, g)]);
        t.runEpoch(e);
        const after = snap();
        for (const side of [0, 1]) {
          let changed = 0;
          for (let i = 0; i < after[side].length; i++) if (after[side][i] !== before[side][i]) changed++;
          // Epochs 1 and 2 (0-based) start with a re-draw: 2 of 4 candidates per input.
          expect(changed).toBe(e === 1 || e === 2 ? 2 * t.st.gates : 0);
        }
        if (e === 1 || e === 2) {
          // The argmax each input had before the re-draw is still one of its candidates.
          for (let g = 0; g < t.st.gates; g += 37) {
            expect(Array.from(after[0].subarray(g * 4, g * 4 + 4))).toContain(best[g][0]);
            expect(Array.from(after[1].subarray(g * 4, g * 4 + 4))).toContain(best[g][1]);
          }
        }
        before = after;
      }
    } finally {
      await t.close();
    }
  });

  it('is deterministic for a seed, differs from a run without it, and continues exactly across a resume', async () => {
    const o = { ...SLICE, limit: 300, width: [200, 100], epochs: 4, redraw: '1:3' };
    const [a, b, none] = [await train(o), await train(o), await train({ ...o, redraw: undefined })];
    expect(b.netlist.layers).toEqual(a.netlist.layers);
    expect(b.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
    expect(none.netlist.layers).not.toEqual(a.netlist.layers);
    expect(a.netlist.meta).toMatchObject({ config: { redraw: [1, 3] } });
    const ckpt = join(tmp, 'redraw.ckpt');
    await train({ ...o, epochs: 2, checkpoint: ckpt, resume: true });
    const resumed = await train({ ...o, checkpoint: ckpt, resume: true });
    expect(resumed.netlist.layers).toEqual(a.netlist.layers);
    expect(resumed.history.map((h) => h.loss)).toEqual(a.history.map((h) => h.loss));
  });

  it('the frozen net is valid, learns, and its accuracy is the reference evaluator\'s on the raw test images', async () => {
    const r = await train({ ...SLICE, limit: 2000, width: [1000, 1000, 500], epochs: 3 });
    validateNetlist(r.netlist);
    expect(r.frozenTestAccuracy).toBeGreaterThan(0.6);
    const d = loadDataset('mnist', { limit: 2000 });
    const pred = evaluateNetlist(r.netlist, encode(r.netlist.encoding!, d.test.x, d.test.count)).predictions;
    const acc = pred.reduce((n, p, s) => n + (p === d.test.y[s] ? 1 : 0), 0) / d.test.count;
    expect(r.frozenTestAccuracy).toBe(acc);
  });

  it('bad values are refused with the flag named', () => {
    const cfg = (o: Partial<TrainOptions>) => () => resolveConfig({ dataset: 'mnist', ...o }, 10, 'uniform:1');
    expect(cfg({ connect: 'topk:4', redraw: '4:3' })).toThrow(/--redraw "4:3": R must be in 1\.\.3/);
    expect(cfg({ connect: 'unique', redraw: '1:3' })).toThrow(/--redraw works with --connect topk:K/);
    expect(cfg({ connect: 'topk:4', redraw: 'x' })).toThrow(/--redraw "x": give R:E/);
    expect(cfg({ connect: 'dense', shrink: '1:8', redraw: '2:5' })().redraw).toEqual([2, 5]);
    expect(cfg({ lrSchedule: 'decay:0' })).toThrow(/--lr-schedule "decay:0"/);
  });
});

describe('--lr-schedule decay:F', () => {
  it('is constant, then falls linearly to 0 over the last fraction F of the steps', () => {
    const total = 100;
    expect(lrFactor('decay:0.25', 1, total)).toBe(1);
    expect(lrFactor('decay:0.25', 76, total)).toBe(1);
    expect(lrFactor('decay:0.25', 88, total)).toBeCloseTo(13 / 25);
    expect(lrFactor('decay:0.25', 100, total)).toBeCloseTo(1 / 25);
    expect(lrFactor('decay:1', 1, total)).toBe(1);
    expect(lrFactor('decay:1', 51, total)).toBeCloseTo(0.5);
    expect(lrFactor('constant', 99, total)).toBe(1);
    expect(lrFactor('cosine', 51, total)).toBeCloseTo(0.5);
  });
});
