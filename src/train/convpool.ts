// Threads for conv models: data parallel over the samples of a batch. Thread t of T takes
// samples [⌊tB/T⌋, ⌊(t+1)B/T⌋), gathers them (shifted, with --shift), runs the forward pass,
// the Group-Sum loss and the backward pass, and writes its coefficient gradients to its own
// row of `dcoef`; the main thread (thread 0) then sums the rows in thread order and updates
// the parameters (few: a kernel's tree is shared by every position). Evaluation splits the
// test samples the same way. Commands go through the shared control block and the barrier
// of state.ts; every buffer a thread computes in is its own (conv.ts ConvWork).
// The same seed and thread count give bit-identical results: the split depends only on T
// and the sums run in a fixed order.

import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { shiftIndex, shiftMaps } from './augment.js';
import { allocWork, arenaBytes, backwardConv, buildConvModel, forwardConv, memoryArena, simdTables, type ConvModel, type ConvWork, type Stage } from './conv.js';
import { convWasm } from './convwasm.js';
import { UserError } from '../util/errors.js';
import { classScores, softmaxLoss } from './kernels.js';
import { barrier, CTL } from './state.js';
import { mulberry32 } from '../netlist/vectors.js';

/** What the model is built from: every thread builds the same one (the draw depends only on the seed). */
export interface ConvSpec {
  stages: Stage[];
  spec: string;
  image: { side: number; bitsPerPixel: number };
  widths: number[];
  classes: number;
  seed: number;
}

export function modelOf(s: ConvSpec): ConvModel {
  return buildConvModel(s.stages, s.image, s.widths, s.classes, mulberry32(s.seed), s.spec);
}

/** Shared arrays (SharedArrayBuffer views) and sizes; what crosses to a worker. */
export interface ConvShared {
  spec: ConvSpec;
  threads: number;
  /** Samples per thread per forward pass. */
  cap: number;
  shift: number;
  seed: number;
  gates: number;
  /** Soft and hard (frozen ops') coefficients, 4 per gate. */
  coef: Float32Array;
  hard: Float32Array;
  /** threads × gates × 4 coefficient gradients. */
  dcoef: Float64Array;
  ctl: Int32Array;
  par: Float64Array;
  /** threads × 2: loss sum, correct. */
  results: Float64Array;
  batchIdx: Int32Array;
  trainBits: Uint32Array;
  trainWords: number;
  trainY: Int32Array;
  testBits: Uint32Array;
  testWords: number;
  testY: Int32Array;
  testCount: number;
  evalPred: Int32Array;
}

export const CMD = { STEP: 1, EVAL: 2, QUIT: 3 } as const;
/** HARDEN = 1: the training forward runs the frozen ops (sh.hard), the backward the soft ones (straight-through, harden.ts). */
export const PAR = { BATCH: 0, TAU: 1, STEP: 2, EVAL_HARD: 3, HARDEN: 4 } as const;

const shared = <T>(Ctor: new (b: SharedArrayBuffer) => T, n: number, bytes: number): T => new Ctor(new SharedArrayBuffer(Math.max(1, n) * bytes));

export function allocShared(spec: ConvSpec, gates: number, threads: number, maxBatch: number, shift: number, seed: number, train: { bits: Uint32Array; words: number; y: Int32Array }, test: { bits: Uint32Array; words: number; y: Int32Array; count: number }): ConvShared {
  const copy = <T extends Uint32Array | Int32Array>(src: T, Ctor: new (b: SharedArrayBuffer) => T): T => {
    const v = shared(Ctor, src.length, 4);
    v.set(src);
    return v;
  };
  return {
    spec, threads, cap: Math.max(1, Math.ceil(maxBatch / threads)), shift, seed, gates,
    coef: shared(Float32Array, 4 * gates, 4),
    hard: shared(Float32Array, 4 * gates, 4),
    dcoef: shared(Float64Array, threads * 4 * gates, 8),
    ctl: shared(Int32Array, 16, 4),
    par: shared(Float64Array, 8, 8),
    results: shared(Float64Array, 2 * threads, 8),
    batchIdx: shared(Int32Array, maxBatch, 4),
    trainBits: copy(train.bits, Uint32Array), trainWords: train.words, trainY: copy(train.y, Int32Array),
    testBits: copy(test.bits, Uint32Array), testWords: test.words, testY: copy(test.y, Int32Array), testCount: test.count,
    evalPred: shared(Int32Array, test.count, 4),
  };
}

export interface ConvThread {
  /** Runs the command in ctl[CMD] (after the start barrier); returns it. */
  run(): number;
}

/** module: the SIMD conv kernels (convwasm.ts); without it the plain loops of conv.ts run. */
export function convThread(sh: ConvShared, t: number, module?: WebAssembly.Module): ConvThread {
  const m = modelOf(sh.spec);
  const T = sh.threads;
  const C = m.classes;
  const G = sh.gates;
  let w: ConvWork;
  // With SIMD, this thread's buffers and its copy of the coefficients live in its own memory.
  let coefL: Float32Array | null = null, hardL: Float32Array | null = null, dcoefL: Float32Array | null = null;
  if (module) {
    const bytes = arenaBytes(m, sh.cap, 12 * G);
    const pages = Math.ceil(bytes / 65536);
    const gib = (x: number) => (x / 2 ** 30).toFixed(1);
    if (pages > 65536) throw new UserError(`the conv model needs ${gib(bytes)} GiB of buffers per thread; a thread holds at most 4 GiB. Use fewer kernels, a smaller --batch or more --threads.`);
    if (bytes * T > 0.75 * totalmem()) throw new UserError(`the conv model needs ${gib(bytes * T)} GiB of buffers (${T} threads); this machine has ${gib(totalmem())} GiB of memory. Use fewer kernels or a smaller --batch.`);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const arena = memoryArena(memory);
    w = allocWork(m, sh.cap, Float32Array, arena);
    w.simd = { k: convWasm(module, memory), ...simdTables(m, arena) };
    coefL = arena.f32(4 * G);
    hardL = arena.f32(4 * G);
    dcoefL = arena.f32(4 * G);
  } else w = allocWork(m, sh.cap);
  const lastW = m.layers[m.layers.length - 1].width;
  const scores = new Float64Array(C * sh.cap);
  const labels = new Int32Array(sh.cap);
  const pred = new Int32Array(sh.cap);
  const res = new Float64Array(2);
  const myDcoef = sh.dcoef.subarray(t * 4 * sh.gates, (t + 1) * 4 * sh.gates);
  const maps = sh.shift > 0 ? shiftMaps(sh.spec.image.side, sh.spec.image.bitsPerPixel, sh.shift) : [];

  /** Rows of the samples sample(0..B): channel-major bit perm[i] (shifted with `step` ≥ 0, batch position s0 + s). */
  function gather(bits: Uint32Array, words: number, ys: Int32Array, sample: (s: number) => number, B: number, step = -1, s0 = 0): void {
    const x = w.x;
    for (let s = 0; s < B; s++) {
      const n = sample(s);
      const word = n >>> 5, sh5 = n & 31;
      const map = step >= 0 && maps.length ? maps[shiftIndex(sh.seed, step, s0 + s, sh.shift)] : null;
      for (let i = 0; i < m.inputs; i++) {
        const src = map ? map[m.perm[i]] : m.perm[i];
        x[i * B + s] = src < 0 ? 0 : (bits[src * words + word] >>> sh5) & 1;
      }
      labels[s] = ys[n];
    }
  }

  function step(): void {
    const B = sh.par[PAR.BATCH];
    const s0 = Math.floor((t * B) / T);
    const n = Math.floor(((t + 1) * B) / T) - s0;
    myDcoef.fill(0);
    res.fill(0);
    if (n > 0) {
      gather(sh.trainBits, sh.trainWords, sh.trainY, (s) => sh.batchIdx[s0 + s], n, sh.par[PAR.STEP], s0);
      const coef = coefL ? (coefL.set(sh.coef), coefL) : sh.coef;
      const hardened = sh.par[PAR.HARDEN] === 1;
      const fwd = hardened ? (hardL ? (hardL.set(sh.hard), hardL) : sh.hard) : coef;
      const out = forwardConv(m, w, fwd, n);
      classScores(out, lastW, n, C, scores);
      softmaxLoss(scores, n, C, sh.par[PAR.TAU], labels, res, null, w.g0, lastW, 1 / B);
      if (dcoefL) {
        dcoefL.fill(0);
        backwardConv(m, w, coef, dcoefL, w.g0, n);
        myDcoef.set(dcoefL);
      } else backwardConv(m, w, coef, myDcoef, w.g0, n);
    }
    sh.results[2 * t] = res[0];
    sh.results[2 * t + 1] = res[1];
  }

  function evaluate(): void {
    const src = sh.par[PAR.EVAL_HARD] === 1 ? sh.hard : sh.coef;
    const coef = hardL ? (hardL.set(src), hardL) : src;
    const lo = Math.floor((t * sh.testCount) / T);
    const hi = Math.floor(((t + 1) * sh.testCount) / T);
    res.fill(0);
    for (let c0 = lo; c0 < hi; c0 += sh.cap) {
      const B = Math.min(sh.cap, hi - c0);
      gather(sh.testBits, sh.testWords, sh.testY, (s) => c0 + s, B);
      const out = forwardConv(m, w, coef, B);
      classScores(out, lastW, B, C, scores);
      softmaxLoss(scores, B, C, sh.par[PAR.TAU], labels, res, pred, null, lastW, 1);
      sh.evalPred.set(pred.subarray(0, B), c0);
    }
    sh.results[2 * t] = res[0];
    sh.results[2 * t + 1] = res[1];
  }

  return {
    run() {
      const cmd = sh.ctl[CTL.CMD];
      if (cmd === CMD.STEP) step();
      else if (cmd === CMD.EVAL) evaluate();
      return cmd;
    },
  };
}

function workerUrl(): URL {
  const here = new URL('./convworker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/train/convworker.js', import.meta.url);
}

/** Thread 0 is the caller; T − 1 workers. Every command: start barrier, each thread's share, end barrier. */
export class ConvPool {
  private workers: Worker[] = [];
  private exited: Promise<unknown>[] = [];
  private main: ConvThread;
  private closed = false;

  /** module: the SIMD conv kernels (convKernelModule()), or none for the plain loops. */
  constructor(readonly sh: ConvShared, private readonly module?: WebAssembly.Module) {
    this.main = convThread(sh, 0, module);
  }

  async start(): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let i = 1; i < this.sh.threads; i++) {
      const w = new Worker(workerUrl(), { workerData: { sh: this.sh, index: i, module: this.module } });
      this.workers.push(w);
      this.exited.push(new Promise((r) => w.once('exit', r)));
      ready.push(new Promise((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`conv training worker ${i} exited (code ${code}) before it was ready`)));
      }));
    }
    await Promise.all(ready);
  }

  private command(cmd: number): { lossSum: number; correct: number } {
    if (this.closed) throw new Error('pool is closed');
    this.sh.ctl[CTL.CMD] = cmd;
    barrier(this.sh.ctl, this.sh.threads);
    this.main.run();
    barrier(this.sh.ctl, this.sh.threads);
    let lossSum = 0, correct = 0;
    for (let t = 0; t < this.sh.threads; t++) {
      lossSum += this.sh.results[2 * t];
      correct += this.sh.results[2 * t + 1];
    }
    return { lossSum, correct };
  }

  /** Forward + backward of the batch in batchIdx[0..B); gradients in dcoef (one row per thread). */
  step(B: number, tau: number, step: number) {
    this.sh.par[PAR.BATCH] = B;
    this.sh.par[PAR.TAU] = tau;
    this.sh.par[PAR.STEP] = step;
    return this.command(CMD.STEP);
  }

  /** The test split through the soft (or, with hard, the frozen ops') coefficients; predictions in evalPred. */
  evaluate(hard: boolean, tau: number) {
    this.sh.par[PAR.EVAL_HARD] = hard ? 1 : 0;
    this.sh.par[PAR.TAU] = tau;
    return this.command(CMD.EVAL);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.workers.length) {
      this.sh.ctl[CTL.CMD] = CMD.QUIT;
      barrier(this.sh.ctl, this.sh.threads);
      await Promise.all(this.exited);
    }
  }

  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
