// The trainer's state in shared memory, so worker threads read and write it in place:
// connections, logits, softmax probabilities, coefficients, Adam moments, per-thread
// coefficient gradients, the encoded data, and a small control block. `allocState` makes
// the buffers (main thread); `attachState` builds the typed views over them (any thread).

import type { Rho } from './iwp.js';
import type { ParamKind } from './param.js';

export interface Shape {
  inputs: number;
  widths: number[];
  classes: number;
}

/** What crosses to a worker: numbers and SharedArrayBuffers only. */
export interface StateBuffers {
  shape: Shape;
  param: ParamKind;
  rho: Rho;
  /** Parameters per gate (16 for softmax16, 4 for iwp). */
  k: number;
  /** Gumbel straight-through temperature; 0 = off. */
  gumbel: number;
  /** Seed of the Gumbel noise. */
  seed: number;
  /** Learnable connectivity: candidates per gate input (topk:K); 0 = fixed connections. */
  topk: number;
  threads: number;
  /** Largest batch of a training step. */
  maxBatch: number;
  /** Samples per thread per forward in evaluation. */
  evalChunk: number;
  trainCount: number;
  testCount: number;
  sab: Record<(typeof SAB_NAMES)[number], SharedArrayBuffer>;
}

const SAB_NAMES = [
  'a', 'b', 'logits', 'probs', 'coef', 'bcoef', 'hard', 'm', 'v', 'dcoef', 'ctl', 'par', 'results',
  'batchIdx', 'trainBits', 'trainY', 'testBits', 'testY', 'evalPred', 'evalScores',
  'candA', 'candB', 'clogA', 'clogB', 'cwA', 'cwB', 'cmA', 'cvA', 'cmB', 'cvB', 'dcw',
] as const;

export interface State extends Omit<StateBuffers, 'sab'> {
  buffers: StateBuffers;
  gates: number;
  /** offsets[l] = global index of layer l's first gate; offsets[L] = gates. */
  offsets: number[];
  a: Int32Array;
  b: Int32Array;
  logits: Float32Array;
  /** softmax16: softmax of logits, kept from the last coefficient update for the backward pass. */
  probs: Float32Array;
  coef: Float32Array;
  /** Gumbel: the soft coefficients (expected under q) the backward pass uses; else unused. */
  bcoef: Float32Array;
  /** Coefficients of the frozen (argmax) ops, for discrete evaluation. */
  hard: Float32Array;
  m: Float32Array;
  v: Float32Array;
  /** threads × gates × 4. */
  dcoef: Float32Array;
  ctl: Int32Array;
  par: Float64Array;
  /** threads × 2: loss sum, correct count. */
  results: Float64Array;
  batchIdx: Int32Array;
  trainBits: Uint32Array;
  trainWords: number;
  trainY: Int32Array;
  testBits: Uint32Array;
  testWords: number;
  testY: Int32Array;
  evalPred: Int32Array;
  evalScores: Float32Array;
  /** topk: candidate sources of inputs a and b (gates × K), their logits, softmax weights, Adam moments. */
  candA: Int32Array;
  candB: Int32Array;
  clogA: Float32Array;
  clogB: Float32Array;
  cwA: Float32Array;
  cwB: Float32Array;
  cmA: Float32Array;
  cvA: Float32Array;
  cmB: Float32Array;
  cvB: Float32Array;
  /** topk: per-thread candidate-weight gradients, threads × [a: gates × K | b: gates × K]. */
  dcw: Float32Array;
}

/** Indices into ctl. */
export const CTL = { COUNT: 0, GEN: 1, CMD: 2 } as const;
/** Indices into par. */
export const PAR = {
  BATCH: 0, LR: 1, BETA1: 2, BETA2: 3, EPS: 4, WD: 5, BC1: 6, BC2: 7, TAU: 8,
  EVAL_SET: 9, EVAL_FROM: 10, EVAL_COUNT: 11, EVAL_HARD: 12, STEP: 13, EVAL_MIXED: 14,
} as const;
export const CMD = { STEP: 1, EVAL: 2, QUIT: 3, SYNC: 4 } as const;

export function allocState(
  shape: Shape, param: ParamKind, rho: Rho, gumbel: number, seed: number, topk: number, threads: number, maxBatch: number, trainCount: number, testCount: number, evalChunk = 256,
): State {
  const G = shape.widths.reduce((s, w) => s + w, 0);
  const N = shape.inputs;
  const k = param === 'iwp' ? 4 : 16;
  const words = (n: number) => Math.ceil(n / 32);
  const bytes: Record<(typeof SAB_NAMES)[number], number> = {
    a: 4 * G, b: 4 * G, logits: 4 * k * G, probs: param === 'softmax16' ? 64 * G : 8, coef: 16 * G, bcoef: gumbel > 0 ? 16 * G : 8, hard: 16 * G, m: 4 * k * G, v: 4 * k * G,
    dcoef: 16 * G * threads, ctl: 4 * 16, par: 8 * 16, results: 8 * 2 * threads, batchIdx: 4 * maxBatch,
    trainBits: 4 * N * words(trainCount), trainY: 4 * trainCount, testBits: 4 * N * words(testCount), testY: 4 * testCount,
    evalPred: 4 * testCount + 4 * trainCount, evalScores: 4 * shape.classes * Math.max(testCount, trainCount),
    candA: 4 * G * topk, candB: 4 * G * topk, clogA: 4 * G * topk, clogB: 4 * G * topk, cwA: 4 * G * topk, cwB: 4 * G * topk,
    cmA: 4 * G * topk, cvA: 4 * G * topk, cmB: 4 * G * topk, cvB: 4 * G * topk, dcw: 8 * G * topk * threads,
  };
  const sab = Object.fromEntries(SAB_NAMES.map((k) => [k, new SharedArrayBuffer(Math.max(8, bytes[k]))])) as StateBuffers['sab'];
  return attachState({ shape, param, rho, k, gumbel, seed, topk, threads, maxBatch, evalChunk, trainCount, testCount, sab });
}

export function attachState(buf: StateBuffers): State {
  const { shape, sab } = buf;
  const offsets = [0];
  for (const w of shape.widths) offsets.push(offsets[offsets.length - 1] + w);
  return {
    ...buf,
    buffers: buf,
    gates: offsets[offsets.length - 1],
    offsets,
    a: new Int32Array(sab.a),
    b: new Int32Array(sab.b),
    logits: new Float32Array(sab.logits),
    probs: new Float32Array(sab.probs),
    coef: new Float32Array(sab.coef),
    bcoef: new Float32Array(sab.bcoef),
    hard: new Float32Array(sab.hard),
    m: new Float32Array(sab.m),
    v: new Float32Array(sab.v),
    dcoef: new Float32Array(sab.dcoef),
    ctl: new Int32Array(sab.ctl),
    par: new Float64Array(sab.par),
    results: new Float64Array(sab.results),
    batchIdx: new Int32Array(sab.batchIdx),
    trainBits: new Uint32Array(sab.trainBits),
    trainWords: Math.ceil(buf.trainCount / 32),
    trainY: new Int32Array(sab.trainY),
    testBits: new Uint32Array(sab.testBits),
    testWords: Math.ceil(buf.testCount / 32),
    testY: new Int32Array(sab.testY),
    evalPred: new Int32Array(sab.evalPred),
    evalScores: new Float32Array(sab.evalScores),
    candA: new Int32Array(sab.candA),
    candB: new Int32Array(sab.candB),
    clogA: new Float32Array(sab.clogA),
    clogB: new Float32Array(sab.clogB),
    cwA: new Float32Array(sab.cwA),
    cwB: new Float32Array(sab.cwB),
    cmA: new Float32Array(sab.cmA),
    cvA: new Float32Array(sab.cvA),
    cmB: new Float32Array(sab.cmB),
    cvB: new Float32Array(sab.cvB),
    dcw: new Float32Array(sab.dcw),
  };
}

const SPIN = Number(process.env.LGNC_SPIN ?? 20000);

/** Every thread meets here; the last to arrive releases the others. */
export function barrier(ctl: Int32Array, n: number): void {
  if (n === 1) return;
  const gen = Atomics.load(ctl, CTL.GEN);
  if (Atomics.add(ctl, CTL.COUNT, 1) === n - 1) {
    Atomics.store(ctl, CTL.COUNT, 0);
    Atomics.add(ctl, CTL.GEN, 1);
    Atomics.notify(ctl, CTL.GEN);
  } else {
    // Spin briefly first: the others usually arrive within microseconds, and waking from
    // Atomics.wait costs a trip through the scheduler.
    for (let i = 0; i < SPIN && Atomics.load(ctl, CTL.GEN) === gen; i++);
    while (Atomics.load(ctl, CTL.GEN) === gen) Atomics.wait(ctl, CTL.GEN, gen);
  }
}
