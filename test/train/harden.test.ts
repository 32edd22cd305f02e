// Hardened training (`--harden [wires:|gates:]F`): over the last epochs the training forward
// runs the argmax wires and frozen gates — exactly the net freezing writes — while every
// candidate still learns (straight-through); deterministic, resumable, refused where it
// cannot apply.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/train/config.js';
import { firstHardEpoch, hardenMask, parseHarden } from '../../src/train/harden.js';
import { createTrainer, train, type TrainOptions } from '../../src/train/index.js';
import { paramOf } from '../../src/train/param.js';
import { opCoefficients } from '../../src/train/softmax16.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-harden-'));
const SLICE: TrainOptions = { dataset: 'mnist', limit: 400, width: [240, 200, 100], tau: 3, batch: 32, lr: 0.05, epochs: 4, seed: 3, threads: 2, param: 'iwp', connect: 'topk:4', harden: '0.5' };
const K = 4;

const argmax = (l: Float32Array, o: number) => {
  let b = 0;
  for (let k = 1; k < K; k++) if (l[o + k] > l[o + b]) b = k;
  return b;
};

describe('--harden F', () => {
  it('hardens the last round(F·epochs) epochs, at least one', () => {
    expect(firstHardEpoch(parseHarden('0.5')!, 4)).toBe(2);
    expect(firstHardEpoch(parseHarden('wires:0.01')!, 64)).toBe(63);
    expect(firstHardEpoch(parseHarden('gates:1')!, 10)).toBe(0);
    expect(parseHarden('wires:0.25')).toEqual({ parts: 1, fraction: 0.25 });
    expect(parseHarden('0.25')).toEqual({ parts: 3, fraction: 0.25 });
  });

  it('wires:F,gates:G hardens each part over its own last fraction', () => {
    const h = parseHarden('wires:0.5, gates:0.25')!;
    expect(h).toEqual([{ parts: 1, fraction: 0.5 }, { parts: 2, fraction: 0.25 }]);
    // 8 epochs: soft for 0-3, wires from 4, wires and gates from 6.
    expect(Array.from({ length: 8 }, (_, e) => hardenMask(h, e, 8))).toEqual([0, 0, 0, 0, 1, 1, 3, 3]);
    for (const bad of ['wires:0.5,wires:0.2', '0.5,gates:0.1', 'wires:0.5,', 'wires:0.5;gates:0.1']) expect(parseHarden(bad), bad).toBeNull();
    expect(() => resolveConfig({ ...SLICE, harden: 'wires:0.5,gates:0.1,gates:0.2' })).toThrow(/--harden/);
  });

  it('hardened epochs train the frozen wires and gates forward, while every candidate keeps learning', async () => {
    const t = await createTrainer(SLICE);
    try {
      const frozenOp = paramOf('iwp').frozenOp;
      const oneHotAtArgmax = (cw: Float32Array, clog: Float32Array) => {
        for (let g = 0; g < t.st.gates; g++) {
          const best = argmax(clog, g * K);
          for (let k = 0; k < K; k++) if (cw[g * K + k] !== (k === best ? 1 : 0)) return false;
        }
        return true;
      };
      for (const e of [0, 1]) t.runEpoch(e);
      // Soft epochs: the mix weights are the softmax, not a one-hot.
      expect(oneHotAtArgmax(t.st.cwA, t.st.clogA)).toBe(false);
      const before = Float32Array.from(t.st.clogA);
      t.runEpoch(2);
      // The forward's mix is the argmax candidate of every input, after every update...
      expect(oneHotAtArgmax(t.st.cwA, t.st.clogA)).toBe(true);
      expect(oneHotAtArgmax(t.st.cwB, t.st.clogB)).toBe(true);
      // ...the forward's gates are the frozen ops of the current parameters...
      const want = new Float32Array(4 * t.st.gates);
      for (let g = 0; g < t.st.gates; g++) opCoefficients(frozenOp(t.st.logits, g), want, g);
      expect(Array.from(t.st.hard)).toEqual(Array.from(want));
      // ...and the straight-through gradient reaches the candidates the forward skips.
      let movedLosers = 0;
      for (let g = 0; g < t.st.gates; g++) {
        const best = argmax(t.st.clogA, g * K);
        for (let k = 0; k < K; k++) if (k !== best && t.st.clogA[g * K + k] !== before[g * K + k]) movedLosers++;
      }
      expect(movedLosers).toBeGreaterThan(t.st.gates);
      // The trainer's discrete forward (frozen wires and ops) is the net freezing writes.
      const frozen = t.freeze({});
      const ops = frozen.layers.flatMap((l) => l.op);
      ops.forEach((op, g) => expect(op).toBe(frozenOp(t.st.logits, g)));
    } finally {
      await t.close();
    }
  });

  it('is deterministic, differs from an unhardened run, records itself in meta and continues exactly across a resume', async () => {
    const [a, b, none] = [await train(SLICE), await train(SLICE), await train({ ...SLICE, harden: undefined })];
    expect(b.netlist.layers).toEqual(a.netlist.layers);
    expect(none.netlist.layers).not.toEqual(a.netlist.layers);
    // The soft epochs before the hardened ones are the plain run's.
    expect(a.history.slice(0, 2).map((h) => h.loss)).toEqual(none.history.slice(0, 2).map((h) => h.loss));
    expect(a.netlist.meta).toMatchObject({ config: { harden: { parts: 3, fraction: 0.5 } } });
    // Across a resume, inside the hardened epochs (harden 1: all of them, so a 2-epoch run
    // hardens the same epochs as the first half of a 4-epoch one).
    const all = { ...SLICE, harden: '1' };
    const full = await train(all);
    const ckpt = join(tmp, 'harden.ckpt');
    await train({ ...all, epochs: 2, checkpoint: ckpt, resume: true });
    const resumed = await train({ ...all, checkpoint: ckpt, resume: true });
    expect(resumed.netlist.layers).toEqual(full.netlist.layers);
    expect(resumed.history.map((h) => h.loss)).toEqual(full.history.map((h) => h.loss));
  });

  it('bad values and combinations are refused with the flag named', () => {
    const cfg = (o: Partial<TrainOptions>) => () => resolveConfig({ dataset: 'mnist', connect: 'topk:4', ...o }, 10, 'uniform:1');
    for (const bad of ['0', '1.5', 'x', 'wire:0.2', '-0.1', '']) expect(cfg({ harden: bad })).toThrow(/--harden .*give F, wires:F or gates:F/);
    expect(cfg({ connect: 'unique', harden: 'wires:0.2' })).toThrow(/--harden wires:F works with learnable connections/);
    expect(cfg({ param: 'softmax16', gumbel: 1, harden: '0.2' })).toThrow(/--harden: Gumbel/);
    expect(cfg({ connect: 'unique', harden: 'gates:0.2' })().harden).toEqual({ parts: 2, fraction: 0.2 });
  });
});
