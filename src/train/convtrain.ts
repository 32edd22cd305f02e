// Training conv models (--conv): loads and encodes the images, builds the model (conv.ts)
// from the seed, runs epochs of shuffled mini-batches through the conv thread pool
// (convpool.ts), updates the parameters with Adam on the main thread, evaluates after every
// epoch (soft accuracy: the float model; frozen accuracy: the frozen v2 netlist under the
// reference evaluator), checkpoints, and returns the frozen netlist with a full `meta`.
// Throughput counts every gate the model computes per sample: the unrolled gates (every
// conv tree at every position, OR pooling as OR gates), as `lgnc check` reports them.

import { existsSync } from 'node:fs';
import { encode, encodedBits, fitEncoding, parseEncoding } from '../data/encoding.js';
import { loadDataset } from '../data/load.js';
import type { Dataset } from '../data/dataset.js';
import { gateCount, storedGateCount, validateNetlist, type NetlistV2, type ThresholdEncoding } from '../netlist/netlist.js';
import { mulberry32 } from '../netlist/vectors.js';
import { UserError } from '../util/errors.js';
import { readFileOrFail, settleSignals, writeFileAtomic } from '../util/files.js';
import { averageStart, ParamAverage } from './average.js';
import { headerFault, type CheckpointHeader, type EpochRecord } from './checkpoint.js';
import { lrFactor, resolveConfig, type TrainConfig, type TrainOptions } from './config.js';
import { freezeConvModel, parseConvSpec, type ConvModel } from './conv.js';
import { convKernelModule } from './convwasm.js';
import { allocShared, ConvPool, modelOf, PAR, type ConvShared, type ConvSpec } from './convpool.js';
import { HARDEN_GATES, hardenMask } from './harden.js';
import { initParams, paramOf } from './param.js';
import { opCoefficients } from './softmax16.js';
import { gateUsageV2 } from './usage.js';
import type { ProgressEvent, TrainResult } from './trainer.js';
import { checkedResumeConfig, epochOrder, netlistAccuracy } from './trainer.js';

const ADAM = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** The image geometry --conv needs: square, the same thresholds for every pixel. */
function imageOf(enc: ThresholdEncoding, config: TrainConfig): { side: number; bitsPerPixel: number } {
  const side = Math.round(Math.sqrt(enc.features));
  const t0 = JSON.stringify(enc.thresholds[0]);
  if (side * side !== enc.features || enc.thresholds.some((t) => JSON.stringify(t) !== t0) || enc.thresholds[0].length === 0) {
    throw new UserError(`--conv: needs square images with the same thresholds for every pixel (e.g. mnist or fashion-mnist with --encoding uniform:K); ${config.dataset} with ${config.encoding} is not. Drop --conv.`);
  }
  return { side, bitsPerPixel: enc.thresholds[0].length };
}

/** What conv models do not take (yet), refused with the fix. */
function refuseUnsupported(o: TrainOptions, c: TrainConfig): void {
  if (c.connect !== 'unique' && c.connect !== 'random') throw new UserError(`--conv: the gate layers of a conv model take fixed connections (--connect unique or random), not ${c.connect}.`);
  if (c.shrink.length) throw new UserError('--conv: --shrink needs learnable connections, which conv models do not have; drop --shrink.');
  if (c.gumbel > 0) throw new UserError('--conv: --gumbel is not available for conv models; drop it.');
  void o;
}

type Checkpoint = CheckpointHeader & { kind: 'conv' };

const MAGIC = 'LGNCKPT1\n';

/** Same layout as checkpoint.ts (magic, header, padding, arrays): logits, m, v (float32). The geometry comes back from the seed. */
function writeConvCheckpoint(path: string, h: Checkpoint, arrays: Float32Array[]): void {
  const json = Buffer.from(JSON.stringify(h));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const head = MAGIC.length + 4 + json.length;
  writeFileAtomic(path, Buffer.concat([Buffer.from(MAGIC), len, json, Buffer.alloc((4 - (head % 4)) % 4), ...arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))]));
}

function readConvCheckpoint(path: string, arrays: Float32Array[]): Checkpoint {
  const buf = readFileOrFail(path, 'checkpoint');
  const bad = (why: string) => new UserError(`${path}: not a usable lgnc checkpoint of a conv model (${why}). Delete it or point --checkpoint elsewhere.`);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('bad magic');
  let h: Checkpoint;
  const n = buf.readUInt32LE(MAGIC.length);
  try {
    h = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + n));
  } catch (err) {
    throw bad(`header: ${(err as Error).message}`);
  }
  if (h.kind !== 'conv') throw bad('it holds a network of gate layers only; train it without --conv');
  const why = headerFault(h);
  if (why) throw bad(`header: ${why}`);
  const head = MAGIC.length + 4 + n;
  let off = head + ((4 - (head % 4)) % 4);
  const need = off + arrays.reduce((s, a) => s + a.byteLength, 0);
  if (buf.length !== need) throw bad(`${buf.length} bytes, expected ${need} for this model: was it trained with other --conv, --width or --param?`);
  for (const a of arrays) {
    new Uint8Array(a.buffer, a.byteOffset, a.byteLength).set(buf.subarray(off, off + a.byteLength));
    off += a.byteLength;
  }
  return h;
}

/** Peeks at a checkpoint's config (for the dispatch in train()); null when it is not there or not readable. */
export function checkpointConfig(path: string): (TrainConfig & { kind?: string }) | null {
  if (!existsSync(path)) return null;
  try {
    const buf = readFileOrFail(path, 'checkpoint');
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    const n = buf.readUInt32LE(MAGIC.length);
    const h = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + n));
    return { ...h.config, kind: h.kind };
  } catch {
    return null;
  }
}

/** A conv model on its data, ready to step (what trainConv drives, and tests poke at). */
export interface ConvTrainer {
  config: TrainConfig;
  model: ConvModel;
  encoding: ThresholdEncoding;
  sh: ConvShared;
  pool: ConvPool;
  logits: Float32Array;
  m: Float32Array;
  v: Float32Array;
  step: number;
  data: Dataset;
  test: { x: ReturnType<typeof encode>; y: Int32Array };
  trainCount: number;
  runEpoch(epoch: number, onStep?: (step: number, steps: number, lossSum: number, samples: number) => void, stopAt?: number): { loss: number; trainAccuracy: number; partial: boolean; samples: number };
  softAccuracy(): number;
  /** The trainer's own forward with the frozen ops on the test split. */
  discrete(): { predictions: Int32Array; accuracy: number };
  freeze(meta: Record<string, unknown>, name?: string): NetlistV2;
  close(): Promise<void>;
}

export async function createConvTrainer(o: TrainOptions, configOverride?: TrainConfig): Promise<ConvTrainer> {
  const data = loadDataset(o.dataset, { limit: o.limit, csv: o.csv });
  const config = configOverride ? checkedResumeConfig(configOverride, data.classes, o.checkpoint) : resolveConfig({ ...o, connect: o.connect ?? 'unique' }, data.classes, data.defaultEncoding);
  refuseUnsupported(o, config);
  const stages = parseConvSpec(config.conv!);
  if (data.train.count === 0 || data.test.count === 0) throw new UserError(`dataset ${o.dataset}: a split is empty; need training and test samples.`);
  const encoding = fitEncoding(parseEncoding(config.encoding), data);
  if (encodedBits(encoding) === 0) throw new UserError(`--encoding ${config.encoding}: gives no input bits on ${o.dataset}.`);
  const image = imageOf(encoding, config);
  const spec: ConvSpec = { stages, spec: config.conv!, image, widths: config.widths, classes: data.classes, seed: config.seed };
  const model = modelOf(spec);
  // A model the netlist format would refuse (past lgnc's size limits) is refused before anything is allocated for it.
  try {
    validateNetlist(freezeConvModel(model, config.param, config.rho, new Float32Array(model.gates * (config.param === 'iwp' ? 4 : 16)), 'probe', encoding, config.tau, {}), 'the conv model');
  } catch (err) {
    if (err instanceof UserError) throw new UserError(`--conv ${JSON.stringify(config.conv)}: ${err.message}; use fewer kernels or smaller stages.`);
    throw err;
  }
  const train = encode(encoding, data.train.x, data.train.count);
  const test = encode(encoding, data.test.x, data.test.count);
  const sh = allocShared(spec, model.gates, config.threads, config.batch, config.shift, config.seed,
    { bits: train.data, words: train.words, y: data.train.y }, { bits: test.data, words: test.words, y: data.test.y, count: data.test.count });
  const param = paramOf(config.param, config.rho);
  const k = param.k;
  const G = model.gates;
  const logits = new Float32Array(G * k);
  initParams(config.param, config.init, logits, (config.seed ^ 0x5bd1e995) >>> 0, config.rho);
  const probs = new Float32Array(config.param === 'softmax16' ? 16 * G : 1);
  const mom = new Float32Array(G * k), vel = new Float32Array(G * k);
  const scratch = new Float64Array(16), dz = new Float64Array(16);
  const refresh = () => {
    for (let g = 0; g < G; g++) param.refresh(logits, sh.coef, probs, g, scratch, 0, sh.coef);
  };
  refresh();
  // The SIMD kernels unless LGNC_CONV_PLAIN=1 asks for the plain loops (a check of the other path).
  const pool = new ConvPool(sh, process.env.LGNC_CONV_PLAIN === '1' ? undefined : await convKernelModule());
  await pool.start();
  const order = new Int32Array(data.train.count);

  const t: ConvTrainer = {
    config, model, encoding, data, sh, pool, logits, m: mom, v: vel, step: 0, test: { x: test, y: data.test.y }, trainCount: data.train.count,
    runEpoch(epoch, onStep, stopAt = Infinity) {
      const n = order.length;
      const steps = Math.ceil(n / config.batch);
      const totalSteps = config.epochs * steps;
      epochOrder(order, config.seed, epoch);
      // --harden gates:F: the forward runs the frozen ops, kept current by every update.
      const hardened = (hardenMask(config.harden, epoch, config.epochs) & HARDEN_GATES) !== 0;
      sh.par[PAR.HARDEN] = hardened ? 1 : 0;
      if (hardened) setHard();
      let lossSum = 0, correct = 0, samples = 0, partial = false;
      for (let s = 0; s < steps; s++) {
        const B = Math.min(config.batch, n - s * config.batch);
        sh.batchIdx.set(order.subarray(s * config.batch, s * config.batch + B));
        t.step++;
        const r = pool.step(B, config.tau, t.step);
        update(config.lr * lrFactor(config.lrSchedule, t.step, totalSteps), t.step);
        lossSum += r.lossSum;
        correct += r.correct;
        samples += B;
        onStep?.(s + 1, steps, lossSum, samples);
        if (performance.now() >= stopAt && s + 1 < steps) {
          partial = true;
          break;
        }
      }
      return { loss: lossSum / samples, trainAccuracy: correct / samples, partial, samples };
    },
    softAccuracy() {
      return pool.evaluate(false, config.tau).correct / data.test.count;
    },
    discrete() {
      setHard();
      const r = pool.evaluate(true, config.tau);
      return { predictions: sh.evalPred.slice(0, data.test.count), accuracy: r.correct / data.test.count };
    },
    freeze(meta, name) {
      return freezeConvModel(model, config.param, config.rho, logits, name ?? convName(config), encoding, config.tau, meta);
    },
    close: () => pool.close(),
  };

  /** Gate g's frozen op into sh.hard (the hard forward's coefficients). */
  function setHardGate(g: number): void {
    opCoefficients(param.frozenOp(logits, g), sh.hard, g);
  }
  function setHard(): void {
    for (let g = 0; g < G; g++) setHardGate(g);
  }

  /** Adam (AdamW's decay with --optimizer adamw) on the summed gradient rows, in thread order. */
  function update(lr: number, step: number): void {
    const T = sh.threads;
    const { beta1: b1, beta2: b2, eps } = ADAM;
    const bc1 = 1 - b1 ** step, bc2 = 1 - b2 ** step;
    const decay = 1 - lr * (config.optimizer === 'adamw' ? config.weightDecay : 0);
    const stride = 4 * G;
    for (let g = 0; g < G; g++) {
      let d1 = 0, da = 0, db = 0, dab = 0;
      for (let r = 0, o = 4 * g; r < T; r++, o += stride) {
        d1 += sh.dcoef[o];
        da += sh.dcoef[o + 1];
        db += sh.dcoef[o + 2];
        dab += sh.dcoef[o + 3];
      }
      param.gradient(logits, probs, sh.coef, g, d1, da, db, dab, dz);
      for (let i = 0, j = k * g; i < k; i++, j++) {
        const gr = dz[i];
        const mj = (mom[j] = b1 * mom[j] + (1 - b1) * gr);
        const vj = (vel[j] = b2 * vel[j] + (1 - b2) * gr * gr);
        logits[j] = logits[j] * decay - (lr * (mj / bc1)) / (Math.sqrt(vj / bc2) + eps);
      }
      param.refresh(logits, sh.coef, probs, g, scratch, step, sh.coef);
      if (sh.par[PAR.HARDEN] === 1) setHardGate(g);
    }
  }
  return t;
}

function convName(c: TrainConfig): string {
  return `${c.dataset.replace(/^csv:.*[\\/]/, 'csv_')}_conv_${c.conv}_${c.widths.join('_')}`.replace(/[^A-Za-z0-9_]+/g, '_');
}

function cpuNow(): number {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1e6;
}

const round = (x: number, d: number) => Math.round(x * 10 ** d) / 10 ** d;

/** Trains a conv model as the options say (options already with their preset). */
export async function trainConv(o: TrainOptions, onProgress: (e: ProgressEvent) => void = () => {}): Promise<TrainResult> {
  const wall0 = performance.now();
  const cpu0 = cpuNow();
  if (o.resume && !o.checkpoint) throw new UserError('--resume needs --checkpoint FILE: the file to continue from.');
  let config: TrainConfig | undefined;
  let note: string | undefined;
  const saved = o.resume && o.checkpoint ? checkpointConfig(o.checkpoint) : null;
  if (o.resume && o.checkpoint) {
    if (!existsSync(o.checkpoint)) note = `no checkpoint at ${o.checkpoint} yet: starting from scratch`;
    else if (!saved) readConvCheckpoint(o.checkpoint, []); // throws the reason
    else {
      if (saved.kind !== 'conv') throw new UserError(`${o.checkpoint}: checkpoint is of a network of gate layers only; resume it without --conv.`);
      if (saved.dataset !== o.dataset) throw new UserError(`${o.checkpoint}: checkpoint was trained on ${saved.dataset}, not ${o.dataset}. Use the same --dataset or another --checkpoint.`);
      const { kind: _k, ...c } = saved;
      void _k;
      config = { ...c, epochs: o.epochs ?? c.epochs, threads: o.threads ?? c.threads };
    }
  }
  const t = await createConvTrainer({ ...o, limit: config ? config.limit ?? undefined : o.limit }, config);
  try {
    return await run(t, o, config !== undefined, note, wall0, cpu0, onProgress);
  } catch (err) {
    await t.pool.terminate();
    throw err;
  } finally {
    await t.close();
  }
}

async function run(t: ConvTrainer, o: TrainOptions, resume: boolean, note: string | undefined, wall0: number, cpu0: number, onProgress: (e: ProgressEvent) => void): Promise<TrainResult> {
  const { config } = t;
  let history: EpochRecord[] = [];
  let epochsDone = 0;
  let trainSeconds = 0;
  const param = paramOf(config.param, config.rho);
  // --average: the kernels and gate layers have fixed connections, so only the gate parameters are summed.
  const avg = config.average ? new ParamAverage(() => [t.logits], averageStart(config)) : null;
  const saved = () => [t.logits, t.m, t.v, ...(avg?.sums ?? [])];
  const refresh = () => {
    const scratch = new Float64Array(16);
    const probs = new Float32Array(16 * t.model.gates);
    for (let g = 0; g < t.model.gates; g++) param.refresh(t.logits, t.sh.coef, probs, g, scratch, t.step, t.sh.coef);
  };
  if (resume && o.checkpoint) {
    const h = readConvCheckpoint(o.checkpoint, saved());
    if (JSON.stringify(h.encoding) !== JSON.stringify(t.encoding)) throw new UserError(`${o.checkpoint}: the encoding fitted now differs from the checkpoint's (did the data change?). Delete the checkpoint to start over.`);
    avg?.resume(h);
    history = h.history;
    epochsDone = h.epochsDone;
    trainSeconds = h.trainSeconds;
    t.step = h.step;
    refresh();
  }
  const probe = t.freeze({});
  const unrolled = gateCount(probe);
  onProgress({
    kind: 'start', config, gates: unrolled, inputs: t.model.inputs, trainSamples: t.trainCount, testSamples: t.test.y.length, resumedEpochs: epochsDone,
    note: `conv model ${config.conv}: ${storedGateCount(probe).toLocaleString('en-US')} gates stored (kernels shared over positions), ${unrolled.toLocaleString('en-US')} unrolled` + (note ? `; ${note}` : ''),
  });
  let stepSamples = 0, stepSeconds = 0;
  const budgetLeft = () => (o.timeBudget === undefined ? Infinity : o.timeBudget - trainSeconds);
  let stopped = false;
  for (let epoch = epochsDone; epoch < config.epochs && !stopped; epoch++) {
    const t0 = performance.now();
    let lastReport = 0;
    const r = t.runEpoch(epoch, (step, steps, lossSum, samples) => {
      const now = performance.now();
      if (now - lastReport < 200 && step < steps) return;
      lastReport = now;
      const secs = (now - t0) / 1000;
      onProgress({ kind: 'step', epoch, epochs: config.epochs, step, steps, loss: lossSum / samples, samplesPerSecond: samples / secs, seconds: trainSeconds + secs });
    }, t0 + budgetLeft() * 1000);
    const secs = (performance.now() - t0) / 1000;
    trainSeconds += secs;
    stepSeconds += secs;
    stepSamples += r.samples;
    avg?.add(epoch);
    const record: EpochRecord = {
      epoch: epoch + 1, loss: r.loss, trainAccuracy: r.trainAccuracy, softTestAccuracy: t.softAccuracy(),
      frozenTestAccuracy: netlistAccuracy(t.freeze({}), t.test.x, t.test.y), seconds: trainSeconds, ...(r.partial ? { partial: true } : {}),
    };
    history.push(record);
    epochsDone = epoch + 1;
    if (o.checkpoint) {
      writeConvCheckpoint(o.checkpoint, { format: 'lgnc-checkpoint', version: 1, kind: 'conv', config, encoding: t.encoding, epochsDone, step: t.step, trainSeconds, history, ...(avg ? avg.header() : {}) }, saved());
      await settleSignals(); // the next epoch blocks the event loop: let Ctrl-C reach the process first
    }
    onProgress({ kind: 'epoch', record, epochs: config.epochs });
    if (r.partial || budgetLeft() <= 0) stopped = true;
  }
  let soft = history.length ? history[history.length - 1].softTestAccuracy : t.softAccuracy();
  // --average: from here on the model is the mean of the summed epoch ends (soft accuracy too).
  let averagedEpochs: { from: number; to: number; count: number } | null = null;
  if (avg?.apply()) {
    refresh();
    soft = t.softAccuracy();
    averagedEpochs = { from: avg.from + 1, to: epochsDone, count: avg.count };
  }
  const usage = process.resourceUsage();
  const wallSeconds = (performance.now() - wall0) / 1000;
  const gateSamplesPerSecond = stepSeconds > 0 ? (unrolled * stepSamples) / stepSeconds : 0;
  const meta: Record<string, unknown> = {
    trainer: 'lgnc train',
    dataset: config.dataset, limit: config.limit, trainSamples: t.trainCount, testSamples: t.test.y.length,
    encoding: config.encoding, config: { ...config, layers: config.widths.length }, seed: config.seed, threads: config.threads,
    epochs: epochsDone, steps: t.step, stoppedByTimeBudget: stopped && epochsDone < config.epochs,
    trainSeconds: round(trainSeconds, 2), wallSeconds: round(wallSeconds, 2),
    cpuSeconds: round((usage.userCPUTime + usage.systemCPUTime) / 1e6 - cpu0, 2),
    peakRssMB: Math.round(usage.maxRSS / 1024),
    gateSamplesPerSecond: Math.round(gateSamplesPerSecond),
    averagedEpochs,
    softTestAccuracy: soft, frozenTestAccuracy: 0, discretizationGap: 0, gateUsage: null, history,
  };
  const netlist = t.freeze(meta, o.name);
  // The reported frozen accuracy is the written netlist's, under the reference evaluator.
  const frozen = netlistAccuracy(netlist, encode(netlist.encoding!, t.data.test.x, t.data.test.count), t.test.y);
  meta.frozenTestAccuracy = frozen;
  meta.discretizationGap = soft - frozen;
  const gates = (meta.gateUsage = gateUsageV2(netlist));
  return {
    netlist, history, config, softTestAccuracy: soft, frozenTestAccuracy: frozen, trainSeconds, wallSeconds,
    discretizationGap: soft - frozen, gateUsage: gates, gateSamplesPerSecond,
  };
}
