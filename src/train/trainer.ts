// The training loop and its programmatic API:
//   train(options, onProgress) → { netlist, history, summary }
// Loads and encodes the data, builds the model in shared memory, runs epochs of shuffled
// mini-batches through the thread pool, evaluates after every epoch (soft accuracy: the
// float model; frozen accuracy: the frozen netlist under the reference evaluator on the
// encoded test split), checkpoints, and returns the frozen netlist.

import { existsSync } from 'node:fs';
import { encode, encodedBits, fitEncoding, parseEncoding } from '../data/encoding.js';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/dataset.js';
import { evaluateInBulk } from '../emit/wasm-runtime.js';
import type { BitSlices } from '../netlist/evaluate.js';
import { gateCount, type AnyNetlist, type Netlist, type NetlistV2, type ThresholdEncoding } from '../netlist/netlist.js';
import { mulberry32 } from '../netlist/vectors.js';
import { UserError } from '../util/errors.js';
import { settleSignals } from '../util/files.js';
import { loadCheckpointArrays, readCheckpointHeader, writeCheckpoint, type EpochRecord } from './checkpoint.js';
import { checkConfig, connectAt, lrFactor, resolveConfig, withPreset, type TrainConfig, type TrainOptions } from './config.js';
import { redrawCandidates, redrawRandom } from './redraw.js';
import { connectLayer, topkOf } from './connect.js';
import { argmaxCandidate, connectInvTemp, mixWeights } from './topk.js';
import { keepBest } from './dense.js';
import { denseSoftmax, refreshAll } from './engine.js';
import { HARDEN_GATES, HARDEN_WIRES, hardenMask } from './harden.js';
import { averageStart, ParamAverage } from './average.js';
import { freezeNetlist, setHardCoefficients } from './freeze.js';
import { initParams } from './param.js';
import { coefficients } from './softmax16.js';
import { Pool, type AdamParams } from './pool.js';
import { kernelModule } from './wasm.js';
import { allocState, CONNECT_DENSE, PAR, type Augment, type State } from './state.js';
import { gateUsage, type GateUsage } from './usage.js';
import { checkpointConfig, trainConv } from './convtrain.js';

export type ProgressEvent =
  | { kind: 'start'; config: TrainConfig; gates: number; inputs: number; trainSamples: number; testSamples: number; resumedEpochs: number; note?: string }
  | { kind: 'step'; epoch: number; epochs: number; step: number; steps: number; loss: number; samplesPerSecond: number; seconds: number }
  | { kind: 'epoch'; record: EpochRecord; epochs: number };

export interface TrainResult {
  /** Version 1, or version 2 for a conv model (--conv). */
  netlist: Netlist | NetlistV2;
  history: EpochRecord[];
  config: TrainConfig;
  softTestAccuracy: number;
  frozenTestAccuracy: number;
  trainSeconds: number;
  wallSeconds: number;
  /** soft − frozen test accuracy. */
  discretizationGap: number;
  /** Of a conv model: of its unrolled gates. */
  gateUsage: GateUsage;
  /** Gate-samples per second of training steps (forward + backward + update). */
  gateSamplesPerSecond: number;
}

/** A model on its data, ready to step: what train() drives, and what tests poke at. */
export interface Trainer {
  config: TrainConfig;
  data: Dataset;
  encoding: ThresholdEncoding;
  st: State;
  pool: Pool;
  testSlices: BitSlices;
  /** Optimizer steps taken so far. */
  step: number;
  /** The connections training runs now: -1 dense, K > 0 candidates per input, 0 fixed. */
  connect: number;
  /** Switches to the connections of `connect` (shrinking dense or topk:K candidates to the best K). */
  setConnect(connect: number): void;
  /** Runs one epoch (or until `stopAt` on performance.now()); returns loss, accuracy, steps, whether cut short. */
  runEpoch(epoch: number, onStep?: (step: number, steps: number, lossSum: number, samples: number) => void, stopAt?: number): { loss: number; trainAccuracy: number; partial: boolean; samples: number };
  /** Float-model accuracy on the test split. */
  softAccuracy(): number;
  /** The trainer's own discrete forward (argmax ops) on the test split: predictions and scores. */
  discrete(): { predictions: Int32Array; scores: Float32Array; accuracy: number };
  freeze(meta: Record<string, unknown>, name?: string): Netlist;
  close(): Promise<void>;
}

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function shapeName(c: TrainConfig): string {
  const w = c.widths;
  const sizes = w.every((x) => x === w[0]) ? `${w.length}x${w[0]}` : w.join('_');
  return `${c.dataset.replace(/^csv:.*[\\/]/, 'csv_')}_${sizes}`.replace(/[^A-Za-z0-9_]+/g, '_');
}

/** Fisher–Yates order of the training set for one epoch; depends only on seed and epoch. */
export function epochOrder(order: Int32Array, seed: number, epoch: number): void {
  for (let i = 0; i < order.length; i++) order[i] = i;
  const rand = mulberry32((seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
}

/** A checkpoint's config, checked as the flags are: a damaged header is refused before any allocation. */
export function checkedResumeConfig(c: TrainConfig, classes: number, path = 'checkpoint'): TrainConfig {
  try {
    checkConfig(c, classes);
  } catch (err) {
    const why = err instanceof UserError ? err.message : 'its config is malformed';
    throw new UserError(`${path}: not a usable lgnc checkpoint (${why}). Delete it or point --checkpoint elsewhere.`);
  }
  return c;
}

export async function createTrainer(options: TrainOptions, configOverride?: TrainConfig): Promise<Trainer> {
  const o = withPreset(options);
  const data = loadDataset(o.dataset, { limit: o.limit, csv: o.csv });
  const config = configOverride ? checkedResumeConfig(configOverride, data.classes, o.checkpoint) : resolveConfig(o, data.classes, data.defaultEncoding);
  if (data.train.count === 0 || data.test.count === 0) throw new UserError(`dataset ${o.dataset}: a split is empty; need training and test samples.`);
  const encoding = fitEncoding(parseEncoding(config.encoding), data);
  const inputs = encodedBits(encoding);
  if (inputs === 0) throw new UserError(`--encoding ${config.encoding}: gives no input bits on ${o.dataset} (every feature constant?). Try uniform:K.`);
  const trainSlices = encode(encoding, data.train.x, data.train.count);
  const testSlices = encode(encoding, data.test.x, data.test.count);
  const shape = { inputs, widths: config.widths, classes: data.classes };
  const dense = config.connect === 'dense';
  const topk = dense ? (config.shrink[0]?.[1] ?? 0) : topkOf(config.connect);
  const st = allocState(shape, config.param, config.rho, config.gumbel, config.seed, topk, config.threads, config.batch, data.train.count, data.test.count, 256, dense, augmentOf(config, encoding));
  st.trainBits.set(trainSlices.data);
  st.trainY.set(data.train.y);
  st.testBits.set(testSlices.data);
  st.testY.set(data.test.y);
  // Connections and logits from the seed: one generator per concern, so changing one
  // option does not reshuffle the other.
  const rand = mulberry32(config.seed);
  let prev = inputs;
  const K = st.topk;
  const denseBonus: [number, number, number][] = [];
  config.widths.forEach((W, l) => {
    if (dense) {
      // Start near a `unique` wiring: its signal's logit gets a head start of ln P + 2 over
      // the others' N(0, 1), so it carries about 80 % of the mix whatever P is (a flat mix
      // of all P signals is nearly constant and learns slowly).
      const { a, b } = connectLayer('unique', prev, W, rand);
      const bonus = Math.log(prev) + 2;
      for (let j = 0; j < W; j++) {
        denseBonus.push([st.denseOffsets[l] + j * prev + a[j], st.denseOffsets[l] + j * prev + b[j], bonus]);
      }
    } else if (K) {
      // K candidate sets, each spread evenly over the previous layer.
      for (let k = 0; k < K; k++) {
        const { a, b } = connectLayer('unique', prev, W, rand);
        for (let j = 0; j < W; j++) {
          st.candA[(st.offsets[l] + j) * K + k] = a[j];
          st.candB[(st.offsets[l] + j) * K + k] = b[j];
        }
      }
    } else {
      const { a, b } = connectLayer(config.connect as 'random' | 'unique', prev, W, rand);
      st.a.set(a, st.offsets[l]);
      st.b.set(b, st.offsets[l]);
    }
    prev = W;
  });
  if (dense) {
    initParams('softmax16', 'gaussian', st.denseLogA, (config.seed ^ 0x1b873593) >>> 0);
    initParams('softmax16', 'gaussian', st.denseLogB, (config.seed ^ 0xcc9e2d51) >>> 0);
    for (const [ia, ib, c] of denseBonus) {
      st.denseLogA[ia] += c;
      st.denseLogB[ib] += c;
    }
  } else if (K) {
    initParams('softmax16', 'gaussian', st.clogA, (config.seed ^ 0x1b873593) >>> 0);
    initParams('softmax16', 'gaussian', st.clogB, (config.seed ^ 0xcc9e2d51) >>> 0);
  }
  initParams(config.param, config.init, st.logits, (config.seed ^ 0x5bd1e995) >>> 0, config.rho);
  refreshAll(st, 0);
  const connect0 = connectAt(config, 0);
  st.par[PAR.CONNECT] = connect0;
  st.par[PAR.CONNECT_INV_TEMP] = 1;
  refreshConnections(st, connect0);
  const pool = new Pool(st, await kernelModule());
  await pool.start();
  const order = new Int32Array(data.train.count);
  const adam: AdamParams = { ...ADAM, lr: config.lr, weightDecay: config.optimizer === 'adamw' ? config.weightDecay : 0 };

  const trainer: Trainer = {
    config, data, encoding, st, pool, testSlices, step: 0, connect: connect0,
    setConnect(connect) {
      if (connect === trainer.connect) return;
      pool.sync();
      shrinkConnections(st, trainer.connect, connect);
      trainer.connect = st.par[PAR.CONNECT] = connect;
      refreshConnections(st, connect);
    },
    runEpoch(epoch, onStep, stopAt = Infinity) {
      const steps0 = Math.ceil(order.length / config.batch);
      const totalSteps = config.epochs * steps0;
      // Schedules are functions of the step count, so a resumed run computes the same values.
      st.par[PAR.CONNECT_INV_TEMP] = connectInvTemp(config.connectTemp, trainer.step, totalSteps);
      trainer.setConnect(connectAt(config, epoch));
      st.par[PAR.HARDEN] = hardenMask(config.harden, epoch, config.epochs);
      if (st.par[PAR.HARDEN] & HARDEN_GATES) setHardCoefficients(st);
      if (config.redraw && epoch >= 1 && epoch <= config.redraw[1] && trainer.connect > 0) {
        pool.sync();
        redrawConnections(st, trainer.connect, config.redraw[0], redrawRandom(config.seed, epoch));
      }
      // Mix weights from the logits at every epoch start, as a resumed run computes them.
      refreshConnections(st, trainer.connect);
      epochOrder(order, config.seed, epoch);
      const n = order.length;
      const steps = Math.ceil(n / config.batch);
      let lossSum = 0, correct = 0, samples = 0, partial = false;
      for (let s = 0; s < steps; s++) {
        const B = Math.min(config.batch, n - s * config.batch);
        st.batchIdx.set(order.subarray(s * config.batch, s * config.batch + B));
        trainer.step++;
        st.par[PAR.CONNECT_INV_TEMP] = connectInvTemp(config.connectTemp, trainer.step, totalSteps);
        adam.lr = config.lr * lrFactor(config.lrSchedule, trainer.step, totalSteps);
        const r = pool.step(B, config.tau, trainer.step, adam);
        lossSum += r.lossSum;
        correct += r.correct;
        samples += B;
        onStep?.(s + 1, steps, lossSum, samples);
        if (performance.now() >= stopAt && s + 1 < steps) {
          partial = true;
          break;
        }
      }
      pool.sync();
      return { loss: lossSum / samples, trainAccuracy: correct / samples, partial, samples };
    },
    softAccuracy() {
      if (config.gumbel > 0) {
        // st.coef holds this step's noisy hard gates: evaluate the noise-free softmax instead.
        coefficients(st.logits, st.hard, 0, st.gates);
        return pool.evaluate('test', 0, data.test.count, true, config.tau, true).correct / data.test.count;
      }
      return pool.evaluate('test', 0, data.test.count, false, config.tau).correct / data.test.count;
    },
    discrete() {
      setArgmaxConnections(st, trainer.connect);
      setHardCoefficients(st);
      const r = pool.evaluate('test', 0, data.test.count, true, config.tau);
      return {
        predictions: st.evalPred.slice(0, data.test.count),
        scores: st.evalScores.slice(0, data.test.count * data.classes),
        accuracy: r.correct / data.test.count,
      };
    },
    freeze(meta, name) {
      setArgmaxConnections(st, trainer.connect);
      return freezeNetlist(st, name ?? shapeName(config), encoding, config.tau, meta);
    },
    close: () => pool.close(),
  };
  return trainer;
}


/** --shift needs square images whose pixels all have the same thresholds (so bits move with their pixel). */
function augmentOf(config: TrainConfig, enc: ThresholdEncoding): Augment {
  if (config.shift === 0) return { shift: 0, side: 0, bitsPerPixel: 0 };
  const side = Math.round(Math.sqrt(enc.features));
  const t0 = JSON.stringify(enc.thresholds[0]);
  if (side * side !== enc.features || enc.thresholds.some((t) => JSON.stringify(t) !== t0) || enc.thresholds[0].length === 0) {
    throw new UserError(`--shift ${config.shift}: needs square images with the same thresholds for every pixel (e.g. mnist or fashion-mnist with --encoding uniform:K); ${config.dataset} with ${config.encoding} is not. Drop --shift.`);
  }
  return { shift: config.shift, side, bitsPerPixel: enc.thresholds[0].length };
}

/** Learnable connections: the fixed st.a, st.b become each input's argmax candidate or signal (freezing). */
function setArgmaxConnections(st: State, connect: number): void {
  if (connect > 0) {
    const K = connect;
    for (let g = 0; g < st.gates; g++) {
      st.a[g] = st.candA[g * K + argmaxCandidate(st.clogA, g * K, K)];
      st.b[g] = st.candB[g * K + argmaxCandidate(st.clogB, g * K, K)];
    }
  } else if (connect === CONNECT_DENSE) {
    forEachDenseRow(st, (g, o, P) => {
      st.a[g] = argmaxCandidate(st.denseLogA, o, P);
      st.b[g] = argmaxCandidate(st.denseLogB, o, P);
    });
  }
}

/** f(gate, offset of its dense row, signals P) for every gate. */
function forEachDenseRow(st: State, f: (g: number, o: number, P: number) => void): void {
  st.shape.widths.forEach((W, l) => {
    const P = l ? st.shape.widths[l - 1] : st.shape.inputs;
    for (let j = 0; j < W; j++) f(st.offsets[l] + j, st.denseOffsets[l] + j * P, P);
  });
}

/** Mix weights (softmax of their logits) of every gate input, after init, resume or shrinking. */
function refreshConnections(st: State, connect: number): void {
  if (connect > 0) {
    const invT = st.par[PAR.CONNECT_INV_TEMP];
    const hard = (st.par[PAR.HARDEN] & HARDEN_WIRES) !== 0;
    for (let g = 0, o = 0; g < st.gates; g++, o += connect) {
      mixWeights(st.clogA, st.cwA, o, connect, invT, hard);
      mixWeights(st.clogB, st.cwB, o, connect, invT, hard);
    }
  } else if (connect === CONNECT_DENSE) {
    const rowMax = (x: Float32Array, o: number, n: number) => {
      let m = -Infinity;
      for (let i = 0; i < n; i++) if (x[o + i] > m) m = x[o + i];
      return m;
    };
    forEachDenseRow(st, (_g, o, P) => {
      denseSoftmax(st.denseLogA, st.denseWA, o, P, rowMax(st.denseLogA, o, P));
      denseSoftmax(st.denseLogB, st.denseWB, o, P, rowMax(st.denseLogB, o, P));
    });
  }
}

/**
 * Structured sparsity: every gate input keeps its K best candidates (largest logits), with
 * their logits and Adam moments, as topk:K candidates. From dense (from = -1) the candidates
 * are all P signals; from topk:K0 the K0 candidates, compacted in place to stride K.
 */
function shrinkConnections(st: State, from: number, K: number): void {
  if (!(K > 0) || (from > 0 && K >= from) || from === 0) throw new Error(`cannot shrink connections from ${from} to ${K}`);
  const maxP = Math.max(st.shape.inputs, ...st.shape.widths);
  const best = new Int32Array(K);
  const scratch = new Int32Array(Math.max(maxP, from));
  const tmp = new Float32Array(3 * Math.max(from, 1));
  const sides = [
    { cand: st.candA, clog: st.clogA, cm: st.cmA, cv: st.cvA, dlog: st.denseLogA, dm: st.denseMA, dv: st.denseVA },
    { cand: st.candB, clog: st.clogB, cm: st.cmB, cv: st.cvB, dlog: st.denseLogB, dm: st.denseMB, dv: st.denseVB },
  ];
  if (from === CONNECT_DENSE) {
    forEachDenseRow(st, (g, o, P) => {
      for (const s of sides) {
        keepBest(s.dlog, o, P, K, best, scratch);
        for (let k = 0; k < K; k++) {
          const i = best[k];
          s.cand[g * K + k] = i;
          s.clog[g * K + k] = s.dlog[o + i];
          s.cm[g * K + k] = s.dm[o + i];
          s.cv[g * K + k] = s.dv[o + i];
        }
      }
    });
    return;
  }
  const cand = new Int32Array(from);
  for (let g = 0; g < st.gates; g++) {
    for (const s of sides) {
      const o = g * from;
      keepBest(s.clog, o, from, K, best, scratch);
      for (let k = 0; k < from; k++) {
        cand[k] = s.cand[o + k];
        tmp[3 * k] = s.clog[o + k];
        tmp[3 * k + 1] = s.cm[o + k];
        tmp[3 * k + 2] = s.cv[o + k];
      }
      for (let k = 0; k < K; k++) {
        const i = best[k];
        s.cand[g * K + k] = cand[i];
        s.clog[g * K + k] = tmp[3 * i];
        s.cm[g * K + k] = tmp[3 * i + 1];
        s.cv[g * K + k] = tmp[3 * i + 2];
      }
    }
  }
}

/** `--redraw`: every gate input (a, then b, gate by gate) re-draws its R weakest of K candidates. */
function redrawConnections(st: State, K: number, R: number, rand: () => number): number {
  let replaced = 0;
  st.shape.widths.forEach((W, l) => {
    const P = l ? st.shape.widths[l - 1] : st.shape.inputs;
    for (let j = 0; j < W; j++) {
      const g = st.offsets[l] + j;
      replaced += redrawCandidates({ cand: st.candA, clog: st.clogA, cm: st.cmA, cv: st.cvA }, K, R, g, 1, P, rand);
      replaced += redrawCandidates({ cand: st.candB, clog: st.clogB, cm: st.cmB, cv: st.cvB }, K, R, g, 1, P, rand);
    }
  });
  return replaced;
}

/** Accuracy of a netlist on encoded samples (evaluateInBulk: the reference evaluator, or past 4,096 samples the cross-checked compiled backend). */
export function netlistAccuracy(net: AnyNetlist, x: BitSlices, labels: Int32Array): number {
  const { predictions } = evaluateInBulk(net, x);
  let ok = 0;
  for (let s = 0; s < x.count; s++) if (predictions[s] === labels[s]) ok++;
  return ok / x.count;
}

/** Trains as the options say; the frozen netlist carries the encoding and a full `meta`. */
export async function train(options: TrainOptions, onProgress: (e: ProgressEvent) => void = () => {}): Promise<TrainResult> {
  const o = withPreset(options);
  // Conv models (--conv, or resuming a conv checkpoint) train in convtrain.ts.
  if (o.conv !== undefined || (o.resume && o.checkpoint && checkpointConfig(o.checkpoint)?.kind === 'conv')) return trainConv(o, onProgress);
  const wall0 = performance.now();
  const cpu0 = cpuNow();
  let config: TrainConfig | undefined;
  let resumed: ReturnType<typeof readCheckpointHeader> | null = null;
  let note: string | undefined;
  if (o.resume && !o.checkpoint) throw new UserError('--resume needs --checkpoint FILE: the file to continue from.');
  if (o.resume && o.checkpoint) {
    if (existsSync(o.checkpoint)) {
      resumed = readCheckpointHeader(o.checkpoint);
      const h = resumed.header;
      if (h.config.dataset !== o.dataset) {
        throw new UserError(`${o.checkpoint}: checkpoint was trained on ${h.config.dataset}, not ${o.dataset}. Use the same --dataset or another --checkpoint.`);
      }
      // The checkpoint's config wins, except how long and on how many threads to run.
      config = { ...h.config, epochs: o.epochs ?? h.config.epochs, threads: o.threads ?? h.config.threads };
    } else note = `no checkpoint at ${o.checkpoint} yet: starting from scratch`;
  }
  const t = await createTrainer({ ...o, limit: config ? config.limit ?? undefined : o.limit }, config);
  try {
    return await run(t, o, resumed, note, wall0, cpu0, onProgress);
  } catch (err) {
    await t.pool.terminate();
    throw err;
  } finally {
    await t.close();
  }
}

async function run(
  t: Trainer, o: TrainOptions, resumed: ReturnType<typeof readCheckpointHeader> | null, note: string | undefined,
  wall0: number, cpu0: number, onProgress: (e: ProgressEvent) => void,
): Promise<TrainResult> {
  const { config, st, data } = t;
  let history: EpochRecord[] = [];
  let epochsDone = 0;
  let trainSeconds = 0;
  const avg = config.average ? new ParamAverage(() => (st.topk ? [st.logits, st.clogA, st.clogB] : [st.logits]), averageStart(config)) : null;
  if (resumed && o.checkpoint) {
    const h = resumed.header;
    if (JSON.stringify(h.encoding) !== JSON.stringify(t.encoding)) {
      throw new UserError(`${o.checkpoint}: the encoding fitted now differs from the checkpoint's (did the data change?). Delete the checkpoint to start over.`);
    }
    // The arrays are those of the connections the last finished epoch trained with.
    const saved = h.epochsDone > 0 ? connectAt(config, h.epochsDone - 1) : connectAt(config, 0);
    loadCheckpointArrays(o.checkpoint, resumed.body, resumed.offset, st, saved, avg?.sums);
    avg?.resume(h);
    refreshAll(st, h.step);
    t.connect = st.par[PAR.CONNECT] = saved;
    refreshConnections(st, saved);
    history = h.history;
    epochsDone = h.epochsDone;
    trainSeconds = h.trainSeconds;
    t.step = h.step;
  }
  onProgress({ kind: 'start', config, gates: st.gates, inputs: st.shape.inputs, trainSamples: data.train.count, testSamples: data.test.count, resumedEpochs: epochsDone, note });
  const gatesTimesSamples = st.gates;
  let stepSamples = 0;
  let stepSeconds = 0;
  const budgetLeft = () => (o.timeBudget === undefined ? Infinity : o.timeBudget - trainSeconds);
  let stopped = false;
  for (let epoch = epochsDone; epoch < config.epochs && !stopped; epoch++) {
    const t0 = performance.now();
    const stopAt = t0 + budgetLeft() * 1000;
    let lastReport = 0;
    const r = t.runEpoch(epoch, (step, steps, lossSum, samples) => {
      const now = performance.now();
      if (now - lastReport < 200 && step < steps) return;
      lastReport = now;
      const secs = (now - t0) / 1000;
      onProgress({ kind: 'step', epoch, epochs: config.epochs, step, steps, loss: lossSum / samples, samplesPerSecond: samples / secs, seconds: trainSeconds + secs });
    }, stopAt);
    const secs = (performance.now() - t0) / 1000;
    trainSeconds += secs;
    stepSeconds += secs;
    stepSamples += r.samples;
    avg?.add(epoch);
    const soft = t.softAccuracy();
    const frozen = netlistAccuracy(t.freeze({}), t.testSlices, data.test.y);
    const record: EpochRecord = {
      epoch: epoch + 1, loss: r.loss, trainAccuracy: r.trainAccuracy, softTestAccuracy: soft, frozenTestAccuracy: frozen,
      seconds: trainSeconds, ...(r.partial ? { partial: true } : {}),
    };
    history.push(record);
    epochsDone = epoch + 1;
    if (o.checkpoint) {
      const sums = avg ? avg.header() : {};
      writeCheckpoint(o.checkpoint, { format: 'lgnc-checkpoint', version: 1, config, encoding: t.encoding, epochsDone, step: t.step, trainSeconds, history, ...sums }, st, t.connect, avg?.sums);
      await settleSignals(); // the next epoch blocks the event loop: let Ctrl-C reach the process first
    }
    onProgress({ kind: 'epoch', record, epochs: config.epochs });
    if (r.partial || budgetLeft() <= 0) stopped = true;
  }
  const last = history[history.length - 1];
  let soft = last ? last.softTestAccuracy : t.softAccuracy();
  // --average: from here on the model is the mean of the summed epoch ends (soft accuracy too).
  let averagedEpochs: { from: number; to: number; count: number } | null = null;
  if (avg?.apply()) {
    refreshAll(st, t.step);
    refreshConnections(st, t.connect);
    soft = t.softAccuracy();
    averagedEpochs = { from: avg.from + 1, to: epochsDone, count: avg.count };
  }
  const wallSeconds = (performance.now() - wall0) / 1000;
  const usage = process.resourceUsage();
  const meta = {
    trainer: 'lgnc train',
    dataset: config.dataset,
    limit: config.limit,
    trainSamples: data.train.count,
    testSamples: data.test.count,
    encoding: config.encoding,
    config: { ...config, layers: config.widths.length },
    seed: config.seed,
    threads: config.threads,
    epochs: epochsDone,
    steps: t.step,
    stoppedByTimeBudget: stopped && epochsDone < config.epochs,
    trainSeconds: round(trainSeconds, 2),
    wallSeconds: round(wallSeconds, 2),
    /** CPU seconds of all threads of this process (this run, from loading the data on): shows how much of the machine it got. */
    cpuSeconds: round((usage.userCPUTime + usage.systemCPUTime) / 1e6 - cpu0, 2),
    /** Peak resident memory of the process, MB. */
    peakRssMB: Math.round(usage.maxRSS / 1024),
    /** --average: the epochs (1-based, inclusive) whose mean parameters were frozen; null = the last epoch's. */
    averagedEpochs,
    softTestAccuracy: soft,
    frozenTestAccuracy: 0,
    /** soft − frozen test accuracy. */
    discretizationGap: 0,
    gateUsage: null as GateUsage | null,
    history,
  };
  const netlist = t.freeze(meta, o.name);
  // The reported frozen accuracy is the written netlist's, under the reference evaluator.
  meta.frozenTestAccuracy = netlistAccuracy(netlist, encode(netlist.encoding!, data.test.x, data.test.count), data.test.y);
  meta.discretizationGap = soft - meta.frozenTestAccuracy;
  meta.gateUsage = gateUsage(netlist);
  return {
    netlist, history, config, softTestAccuracy: soft, frozenTestAccuracy: meta.frozenTestAccuracy, trainSeconds, wallSeconds,
    discretizationGap: meta.discretizationGap, gateUsage: meta.gateUsage,
    gateSamplesPerSecond: stepSeconds > 0 ? (gateCount(netlist) * stepSamples) / stepSeconds : 0,
  };
}

/** CPU seconds of every thread of this process so far. */
function cpuNow(): number {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
}

function round(x: number, digits: number): number {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
}
