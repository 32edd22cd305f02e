// Parameter averaging (`--average F`): the frozen net is the one of the mean gate parameters and
// candidate logits over the last epochs' ends; deterministic, resumable, refused where the
// candidates change inside the window.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averageStart, firstAverageEpoch } from '../../src/train/average.js';
import { resolveConfig } from '../../src/train/config.js';
import { createConvTrainer } from '../../src/train/convtrain.js';
import { createTrainer, train, type TrainOptions } from '../../src/train/index.js';
import { lgnc } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-average-'));
const SLICE: TrainOptions = { dataset: 'mnist', limit: 400, width: [240, 200, 100], tau: 3, batch: 32, lr: 0.05, epochs: 4, seed: 3, threads: 2, param: 'iwp', connect: 'topk:4', average: 0.5 };

describe('--average F', () => {
  it('averages the last round(F·epochs) epochs, at least one', () => {
    expect(firstAverageEpoch(0.5, 4)).toBe(2);
    expect(firstAverageEpoch(0.125, 128)).toBe(112);
    expect(firstAverageEpoch(0.01, 10)).toBe(9);
    expect(firstAverageEpoch(1, 10)).toBe(0);
  });

  it('freezes the mean of the gate parameters and candidate logits at the last epochs\' ends', async () => {
    // The same run by hand: the state after epochs 3 and 4, summed and halved.
    const t = await createTrainer(SLICE);
    let want;
    try {
      const sums = [t.st.logits, t.st.clogA, t.st.clogB].map((a) => new Float32Array(a.length));
      for (let e = 0; e < 4; e++) {
        t.runEpoch(e);
        if (e >= 2) [t.st.logits, t.st.clogA, t.st.clogB].forEach((a, i) => a.forEach((x, j) => (sums[i][j] += x)));
      }
      const last = t.freeze({}).layers;
      [t.st.logits, t.st.clogA, t.st.clogB].forEach((a, i) => a.set(sums[i].map((s) => s / 2)));
      want = t.freeze({}).layers;
      expect(want).not.toEqual(last); // the mean is another net than the last epoch's
    } finally {
      await t.close();
    }
    const [a, b, none] = [await train(SLICE), await train(SLICE), await train({ ...SLICE, average: 0 })];
    expect(a.netlist.layers).toEqual(want);
    expect(b.netlist.layers).toEqual(a.netlist.layers);
    // Averaging changes only what is frozen: the epochs trained are the plain run's.
    const curve = (r: typeof a) => r.history.map((h) => [h.loss, h.softTestAccuracy, h.frozenTestAccuracy]);
    expect(curve(a)).toEqual(curve(none));
    expect(none.netlist.layers).not.toEqual(a.netlist.layers);
    expect(a.netlist.meta).toMatchObject({ averagedEpochs: { from: 3, to: 4, count: 2 }, config: { average: 0.5 } });
    expect(none.netlist.meta).toMatchObject({ averagedEpochs: null });
  });

  it('continues its sums exactly across a resume, and keeps a begun window when --epochs grows', async () => {
    const all = { ...SLICE, average: 1 };
    const full = await train(all);
    const ckpt = join(tmp, 'average.ckpt');
    await train({ ...all, epochs: 2, checkpoint: ckpt, resume: true });
    const resumed = await train({ ...all, checkpoint: ckpt, resume: true });
    expect(resumed.netlist.layers).toEqual(full.netlist.layers);
    expect(resumed.netlist.meta).toMatchObject({ averagedEpochs: { from: 1, to: 4, count: 4 } });
    // A 2-epoch run averaging its last epoch, resumed to 4: the sums go on from epoch 2.
    const ckpt2 = join(tmp, 'average2.ckpt');
    await train({ ...SLICE, epochs: 2, checkpoint: ckpt2, resume: true });
    const longer = await train({ ...SLICE, checkpoint: ckpt2, resume: true });
    expect(longer.netlist.meta).toMatchObject({ averagedEpochs: { from: 2, to: 4, count: 3 } });
  });

  it('starts the window after the last change of the candidates', () => {
    const c = (o: Partial<Parameters<typeof averageStart>[0]>) => averageStart({ epochs: 10, average: 0.5, redraw: null, shrink: [], ...o });
    expect(c({})).toBe(5);
    expect(c({ redraw: [1, 8] })).toBe(8); // re-drawn at the start of epoch 9 (1-based): epochs 9 and 10 averaged
    expect(c({ redraw: [1, 3] })).toBe(5);
    expect(c({ redraw: [4, 64] })).toBe(9); // a preset's schedule longer than the run: the last epoch alone
    expect(c({ shrink: [[2, 8], [7, 2]] })).toBe(7);
  });

  it('bad values are refused with the flag named', () => {
    const cfg = (o: Partial<TrainOptions>) => () => resolveConfig({ dataset: 'mnist', connect: 'topk:4', epochs: 10, ...o }, 10, 'uniform:1');
    for (const bad of [1.5, -0.1, Number.NaN]) expect(cfg({ average: bad })).toThrow(/--average .*a number in \(0, 1\]/);
    expect(cfg({ connect: 'dense', average: 0.5 })).toThrow(/dense connections are not averaged/);
    expect(cfg({ connect: 'dense', shrink: '1:4', average: 0.5 })().average).toBe(0.5);
    expect(cfg({ connect: 'unique', average: 0.5 })().average).toBe(0.5);
    expect(cfg({})().average).toBe(0);
  });

  const CONV: TrainOptions = { dataset: 'mnist', limit: 400, conv: 'conv:4:d2,pool,conv:6:d2,pool', width: [200, 100], tau: 1, epochs: 3, batch: 20, lr: 0.05, init: 'residual', seed: 3, threads: 2, average: 0.5 };

  it('conv models: freezes the mean gate parameters of the last epochs, and a resumed run equals a straight one', async () => {
    const t = await createConvTrainer(CONV);
    let want;
    try {
      const sum = new Float32Array(t.logits.length);
      for (let e = 0; e < 3; e++) {
        t.runEpoch(e);
        if (e >= 1) t.logits.forEach((x, j) => (sum[j] += x));
      }
      const last = JSON.stringify(t.freeze({}).layers);
      t.logits.set(sum.map((s) => s / 2));
      want = JSON.stringify(t.freeze({}).layers);
      expect(want).not.toBe(last); // the mean is another net than the last epoch's
    } finally {
      await t.close();
    }
    const straight = await train(CONV);
    expect(JSON.stringify(straight.netlist.layers)).toBe(want);
    expect(straight.netlist.meta).toMatchObject({ averagedEpochs: { from: 2, to: 3, count: 2 }, config: { average: 0.5 } });
    const ckpt = join(tmp, 'conv-average.ckpt');
    await train({ ...CONV, epochs: 2, checkpoint: ckpt, resume: true });
    const resumed = await train({ ...CONV, checkpoint: ckpt, resume: true });
    expect(JSON.stringify(resumed.netlist.layers)).toBe(want);
    expect(resumed.netlist.meta).toMatchObject({ averagedEpochs: { from: 2, to: 3, count: 2 } });
  }, 180_000);

  it('conv checkpoints with a hostile header are refused with exit 2 and the field named', async () => {
    const ckpt = join(tmp, 'conv-hostile.ckpt');
    await train({ ...CONV, epochs: 1, checkpoint: ckpt });
    const buf = readFileSync(ckpt);
    const n = buf.readUInt32LE(9);
    const h = JSON.parse(buf.toString('utf8', 13, 13 + n));
    h.averaged = 7;
    const json = Buffer.from(JSON.stringify(h).padEnd(n, ' ')); // same length: the arrays stay where they were
    expect(json.length).toBe(n);
    writeFileSync(ckpt, Buffer.concat([buf.subarray(0, 13), json, buf.subarray(13 + n)]));
    const r = lgnc(['train', '--dataset', 'mnist', '--limit', '400', '--conv', 'conv:4:d2,pool,conv:6:d2,pool', '--width', '200,100', '--checkpoint', ckpt, '--resume', '-o', join(tmp, 'hostile.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/conv-hostile\.ckpt: not a usable lgnc checkpoint of a conv model \(header: averaged 7 is not a count of finished epochs\)/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  }, 120_000);
});
