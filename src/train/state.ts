// The trainer's state in shared memory, so worker threads read and write it in place:
// connections, logits, softmax probabilities, coefficients, Adam moments, per-thread
// coefficient gradients, the encoded data, a small control block, and each thread's
// activation rows. All of it lives in one shared WebAssembly.Memory, so the SIMD kernels
// (wasm.ts) work on it directly. `allocState` makes the memory (main thread); `attachState`
// builds the typed views over it (any thread) from the same layout.

import type { Rho } from './iwp.js';
import type { ParamKind } from './param.js';
import { totalmem } from 'node:os';
import { UserError } from '../util/errors.js';

export interface Shape {
  inputs: number;
  widths: number[];
  classes: number;
}

export interface Augment {
  shift: number;
  side: number;
  bitsPerPixel: number;
}

/** What crosses to a worker: numbers and the shared memory. */
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
  /** Learnable connectivity: candidates per gate input (topk:K, or the first K a dense run shrinks to); 0 = none. */
  topk: number;
  /** Dense learnable connectivity (dense.ts): every gate input mixes all signals of the previous layer. */
  dense: boolean;
  /** Input-shift augmentation (augment.ts): largest shift in pixels (0 = off), image side, bits per pixel. */
  augment: Augment;
  threads: number;
  /** Largest batch of a training step. */
  maxBatch: number;
  /** Samples per thread per forward in evaluation. */
  evalChunk: number;
  trainCount: number;
  testCount: number;
  memory: WebAssembly.Memory;
}

const NAMES = [
  'a', 'b', 'logits', 'probs', 'coef', 'bcoef', 'hard', 'm', 'v', 'dcoef', 'ctl', 'par', 'results',
  'batchIdx', 'trainBits', 'trainY', 'testBits', 'testY', 'evalPred', 'evalScores',
  'candA', 'candB', 'clogA', 'clogB', 'cwA', 'cwB', 'cmA', 'cvA', 'cmB', 'cvB', 'dcw',
  'denseLogA', 'denseLogB', 'denseWA', 'denseWB', 'denseMA', 'denseVA', 'denseMB', 'denseVB', 'denseGrad',
] as const;

/** Rows of a dense weight gradient one thread computes at a time in the update (state.denseGrad holds T × this × max P). */
export const DENSE_CHUNK = 8;

export interface State extends StateBuffers {
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
  /** dense: each layer's W × P logits, softmax weights and Adam moments, layers back to back (denseOffsets), for inputs a and b. */
  denseLogA: Float32Array;
  denseLogB: Float32Array;
  denseWA: Float32Array;
  denseWB: Float32Array;
  denseMA: Float32Array;
  denseVA: Float32Array;
  denseMB: Float32Array;
  denseVB: Float32Array;
  /** dense: per-thread scratch for DENSE_CHUNK rows of weight gradient. */
  denseGrad: Float32Array;
  /** denseOffsets[l] = index of layer l's first weight in the dense arrays. */
  denseOffsets: number[];
}

/** One thread's activation rows (B samples per row, up to `cap` samples). */
export interface ThreadRows {
  cap: number;
  /** Gathered input bits, N rows. */
  x: Float32Array;
  /** Each layer's outputs. */
  acts: Float32Array[];
  /** Gradient rows, ping-ponged between layers. */
  g0: Float32Array;
  g1: Float32Array;
  /** topk and dense: each layer's mixed input rows a and b. */
  xas: Float32Array[];
  xbs: Float32Array[];
  /** topk: their gradients (one layer at a time). */
  dxa: Float32Array;
  dxb: Float32Array;
  /** dense: their gradients, every layer's (the update reads them). */
  dxas: Float32Array[];
  dxbs: Float32Array[];
}

/** Indices into ctl. */
export const CTL = { COUNT: 0, GEN: 1, CMD: 2 } as const;
/** Indices into par. */
export const PAR = {
  BATCH: 0, LR: 1, BETA1: 2, BETA2: 3, EPS: 4, WD: 5, BC1: 6, BC2: 7, TAU: 8,
  EVAL_SET: 9, EVAL_FROM: 10, EVAL_COUNT: 11, EVAL_HARD: 12, STEP: 13, EVAL_MIXED: 14, CONNECT: 15, CONNECT_INV_TEMP: 16,
  /** Hardened training (harden.ts): HARDEN_WIRES | HARDEN_GATES, 0 = off. */
  HARDEN: 17,
} as const;
/** par[PAR.CONNECT]: the connections a mixed forward uses now: fixed (st.a, st.b), K > 0 candidates (topk), or dense. */
export const CONNECT_FIXED = 0;
export const CONNECT_DENSE = -1;
export const CMD = { STEP: 1, EVAL: 2, QUIT: 3, SYNC: 4 } as const;

/** Wasm memory holds at most 4 GiB (65,536 pages of 64 KiB). */
const MAX_PAGES = 65536;

type Numbers = Omit<StateBuffers, 'memory'>;

/** Samples per thread a forward pass holds: its share of a training batch, or an evaluation chunk. */
function capOf(n: Numbers): number {
  return Math.max(Math.ceil(n.maxBatch / n.threads), n.evalChunk);
}

/**
 * Where everything lives: [byte offset, length] of each shared array and of each thread's
 * rows, 16-byte aligned, from byte 16 on (offset 0 stays free: the kernels read it as "none").
 * A pure function of the numbers, so every thread computes the same layout.
 */
/** Index of each layer's first dense weight, and the total (per input side). */
function denseOffsetsOf(shape: Shape): number[] {
  const off = [0];
  shape.widths.forEach((W, l) => off.push(off[l] + W * (l ? shape.widths[l - 1] : shape.inputs)));
  return off;
}

function layoutOf(n: Numbers) {
  const { shape, k, gumbel, topk, dense, threads, maxBatch, trainCount, testCount } = n;
  const G = shape.widths.reduce((s, w) => s + w, 0);
  const N = shape.inputs;
  const DW = dense ? denseOffsetsOf(shape)[shape.widths.length] : 0;
  const words = (c: number) => Math.ceil(c / 32);
  const len: Record<(typeof NAMES)[number], number> = {
    a: G, b: G, logits: k * G, probs: n.param === 'softmax16' ? 16 * G : 2, coef: 4 * G, bcoef: gumbel > 0 ? 4 * G : 2, hard: 4 * G, m: k * G, v: k * G,
    dcoef: 4 * G * threads, ctl: 16, par: 32, results: 2 * threads, batchIdx: maxBatch,
    trainBits: N * words(trainCount), trainY: trainCount, testBits: N * words(testCount), testY: testCount,
    evalPred: testCount + trainCount, evalScores: shape.classes * Math.max(testCount, trainCount),
    candA: G * topk, candB: G * topk, clogA: G * topk, clogB: G * topk, cwA: G * topk, cwB: G * topk,
    cmA: G * topk, cvA: G * topk, cmB: G * topk, cvB: G * topk, dcw: 2 * G * topk * threads,
    denseLogA: DW, denseLogB: DW, denseWA: DW, denseWB: DW, denseMA: DW, denseVA: DW, denseMB: DW, denseVB: DW,
    denseGrad: dense ? threads * DENSE_CHUNK * Math.max(N, ...shape.widths) : 0,
  };
  let at = 16;
  const take = (count: number, bytesEach: number): Span => {
    const r: Span = [at, count];
    at += Math.ceil((Math.max(count, 1) * bytesEach) / 16) * 16;
    return r;
  };
  const arrays = Object.fromEntries(NAMES.map((name) => [name, take(len[name], name === 'par' || name === 'results' ? 8 : 4)])) as Record<(typeof NAMES)[number], Span>;
  const cap = capOf(n);
  const maxW = Math.max(N, ...shape.widths);
  const maxLayer = Math.max(...shape.widths);
  const rows = Array.from({ length: threads }, () => ({
    x: take(N * cap, 4),
    acts: shape.widths.map((W) => take(W * cap, 4)),
    g0: take(maxW * cap, 4),
    g1: take(maxW * cap, 4),
    xas: topk || dense ? shape.widths.map((W) => take(W * cap, 4)) : [],
    xbs: topk || dense ? shape.widths.map((W) => take(W * cap, 4)) : [],
    dxa: take(topk ? maxLayer * cap : 0, 4),
    dxb: take(topk ? maxLayer * cap : 0, 4),
    dxas: dense ? shape.widths.map((W) => take(W * cap, 4)) : [],
    dxbs: dense ? shape.widths.map((W) => take(W * cap, 4)) : [],
  }));
  return { arrays, rows, cap, bytes: at };
}

export function allocState(
  shape: Shape, param: ParamKind, rho: Rho, gumbel: number, seed: number, topk: number, threads: number, maxBatch: number, trainCount: number, testCount: number, evalChunk = 256, dense = false,
  augment: Augment = { shift: 0, side: 0, bitsPerPixel: 0 },
): State {
  const k = param === 'iwp' ? 4 : 16;
  const numbers: Numbers = { shape, param, rho, k, gumbel, seed, topk, dense, augment, threads, maxBatch, evalChunk, trainCount, testCount };
  const bytes = layoutOf(numbers).bytes;
  const pages = Math.ceil(bytes / 65536);
  const gib = (x: number) => (x / 2 ** 30).toFixed(1);
  const fix = dense ? 'Use narrower layers, --connect topk:K instead of dense, a smaller --batch, or fewer --threads.' : 'Use narrower layers, a smaller --batch, or fewer --threads.';
  if (pages > MAX_PAGES) {
    throw new UserError(`the trainer needs ${gib(bytes)} GiB of state for this model and batch; it holds at most 4 GiB. ${fix}`);
  }
  // Leave room for the data set, the netlist and Node itself.
  if (bytes > 0.75 * totalmem()) {
    throw new UserError(`the trainer needs ${gib(bytes)} GiB of state for this model and batch; this machine has ${gib(totalmem())} GiB of memory. ${fix}`);
  }
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
  return attachState({ ...numbers, memory });
}

type Span = [offset: number, length: number];
type ViewOf<T> = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => T;

/** A typed view of `span` (from layoutOf) on the state memory. */
function view<T>(memory: WebAssembly.Memory, Ctor: ViewOf<T>, [offset, length]: Span): T {
  return new Ctor(memory.buffer, offset, length);
}

export function attachState(buf: StateBuffers): State {
  const { shape, memory } = buf;
  const offsets = [0];
  for (const w of shape.widths) offsets.push(offsets[offsets.length - 1] + w);
  const { arrays: at } = layoutOf(buf);
  const f32 = (span: Span) => view(memory, Float32Array, span);
  const i32 = (span: Span) => view(memory, Int32Array, span);
  const f64 = (span: Span) => view(memory, Float64Array, span);
  return {
    ...buf,
    buffers: buf,
    gates: offsets[offsets.length - 1],
    offsets,
    a: i32(at.a),
    b: i32(at.b),
    logits: f32(at.logits),
    probs: f32(at.probs),
    coef: f32(at.coef),
    bcoef: f32(at.bcoef),
    hard: f32(at.hard),
    m: f32(at.m),
    v: f32(at.v),
    dcoef: f32(at.dcoef),
    ctl: i32(at.ctl),
    par: f64(at.par),
    results: f64(at.results),
    batchIdx: i32(at.batchIdx),
    trainBits: view(memory, Uint32Array, at.trainBits),
    trainWords: Math.ceil(buf.trainCount / 32),
    trainY: i32(at.trainY),
    testBits: view(memory, Uint32Array, at.testBits),
    testWords: Math.ceil(buf.testCount / 32),
    testY: i32(at.testY),
    evalPred: i32(at.evalPred),
    evalScores: f32(at.evalScores),
    candA: i32(at.candA),
    candB: i32(at.candB),
    clogA: f32(at.clogA),
    clogB: f32(at.clogB),
    cwA: f32(at.cwA),
    cwB: f32(at.cwB),
    cmA: f32(at.cmA),
    cvA: f32(at.cvA),
    cmB: f32(at.cmB),
    cvB: f32(at.cvB),
    dcw: f32(at.dcw),
    denseLogA: f32(at.denseLogA),
    denseLogB: f32(at.denseLogB),
    denseWA: f32(at.denseWA),
    denseWB: f32(at.denseWB),
    denseMA: f32(at.denseMA),
    denseVA: f32(at.denseVA),
    denseMB: f32(at.denseMB),
    denseVB: f32(at.denseVB),
    denseGrad: f32(at.denseGrad),
    denseOffsets: denseOffsetsOf(shape),
  };
}

/** Thread w's activation rows, in the shared memory. */
export function threadRows(st: State, w: number): ThreadRows {
  const { rows, cap } = layoutOf(st.buffers);
  const r = rows[w];
  const f32 = (span: Span) => view(st.memory, Float32Array, span);
  return {
    cap, x: f32(r.x), acts: r.acts.map(f32), g0: f32(r.g0), g1: f32(r.g1),
    xas: r.xas.map(f32), xbs: r.xbs.map(f32), dxa: f32(r.dxa), dxb: f32(r.dxb), dxas: r.dxas.map(f32), dxbs: r.dxbs.map(f32),
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
