// Compiled inference in this process: the WebAssembly SIMD module of wasm.ts, instantiated,
// fed chunk by chunk, and split across worker threads for big batches. Results are the
// reference evaluator's `Evaluation` (scores n × K, sample-major; predictions), bit-exact
// with evaluateNetlist/evaluateIr (the tests check it on random netlists and batch sizes).
//
// Inputs are either bit slices (what readVectors, encode and randomVectors produce) or packed
// vectors (⌈N/8⌉ bytes each, the .bin format; the module transposes them itself).

import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { evaluateNetlist, type BitSlices, type Evaluation } from '../netlist/evaluate.js';
import type { PackedVectors } from '../netlist/vectors.js';
import type { Ir } from '../ir/ir.js';
import { irFromNetlist } from '../ir/from-netlist.js';
import { optimize } from '../ir/passes/index.js';
import type { AnyNetlist } from '../netlist/netlist.js';
import { emitWasm, MODE_PACKED, MODE_SCORES, type WasmLayout } from './wasm.js';

export type InferenceInput = BitSlices | PackedVectors;
export type { PackedVectors };

/**
 * The compiled inference of a netlist. optimize false: the network gate for gate (only
 * Group-Sum and argmax lowered, as `--no-opt`), so the result does not depend on the
 * optimization passes (what verify compares the optimized hardware with).
 */
export function netlistInference(net: AnyNetlist, o: { optimize?: boolean; optimizeNow?: boolean } = {}): WasmInference {
  return new WasmInference(optimize(irFromNetlist(net), { optimize: o.optimize }).ir, { optimizeNow: o.optimizeNow });
}

/** Up to this many vectors, the expected outputs come from the reference evaluator alone. */
const REFERENCE_ONLY_MAX = 4096;

/**
 * A netlist's scores and classes on many vectors (verify's expected outputs, the trainer's
 * frozen accuracy). Small sets come from the reference evaluator. Large ones from the compiled
 * WebAssembly backend built from the network gate for gate (no optimization passes, so it
 * shares nothing with an optimized design under test but the Group-Sum and argmax lowering,
 * which have their own tests); its first REFERENCE_ONLY_MAX vectors are run through the
 * reference evaluator too and must agree.
 */
export function evaluateInBulk(net: AnyNetlist, x: BitSlices): Evaluation {
  if (x.count <= REFERENCE_ONLY_MAX) return evaluateNetlist(net, x);
  const got = netlistInference(net, { optimize: false }).evaluate(x);
  const head = firstSamples(x, REFERENCE_ONLY_MAX);
  const ref = evaluateNetlist(net, head);
  const K = ref.classes;
  for (let i = 0; i < head.count * K; i++) {
    if (ref.scores[i] !== got.scores[i] || ref.predictions[Math.floor(i / K)] !== got.predictions[Math.floor(i / K)]) {
      throw new Error(`the compiled evaluator disagrees with the reference evaluator at vector ${Math.floor(i / K)} (a bug in lgnc; please report it with the model)`);
    }
  }
  return got;
}

/** The first `count` samples of x (count a multiple of 32). */
function firstSamples(x: BitSlices, count: number): BitSlices {
  const words = count / 32;
  const data = new Uint32Array(x.rows * words);
  for (let r = 0; r < x.rows; r++) data.set(x.data.subarray(r * x.words, r * x.words + words), r * words);
  return { rows: x.rows, count, words, data };
}

export interface InferOptions {
  /** Also compute the scores (default true); without, `scores` is empty. */
  scores?: boolean;
}

const isPacked = (x: InferenceInput): x is PackedVectors => (x as PackedVectors).packed !== undefined;
export const inputCount = (x: InferenceInput): number => x.count;

/** One instance of the module: its memory, and the chunk loop. */
export class WasmRunner {
  private readonly run: (n: number, mode: number) => void;
  private readonly u8: Uint8Array;
  private readonly u16: Uint16Array;
  private readonly u32: Uint32Array;

  constructor(readonly module: WebAssembly.Module, readonly layout: WasmLayout) {
    const inst = new WebAssembly.Instance(module, {});
    const memory = inst.exports.memory as { buffer: ArrayBuffer };
    this.run = inst.exports.run as (n: number, mode: number) => void;
    this.u8 = new Uint8Array(memory.buffer);
    this.u16 = new Uint16Array(memory.buffer);
    this.u32 = new Uint32Array(memory.buffer);
  }

  /**
   * Samples [from, to) of x: classes into `classes[from..to)`, and with `scores` the scores
   * into `scores[from·K .. to·K)`. `from` must be a multiple of 128 for bit-slice input.
   */
  evaluateRange(x: InferenceInput, from: number, to: number, classes: Int32Array, scores: Int32Array | null): void {
    const L = this.layout, K = L.classes, B = L.bytesPerVector;
    const mode = (isPacked(x) ? MODE_PACKED : 0) | (scores ? MODE_SCORES : 0);
    if (!isPacked(x) && x.rows !== L.inputs) throw new RangeError(`input has ${x.rows} bits per vector, the model expects ${L.inputs}`);
    const cls = L.classes16 >>> 1, sc = L.scores16 >>> 1;
    for (let c0 = from; c0 < to; c0 += L.chunk) {
      const m = Math.min(L.chunk, to - c0);
      if (isPacked(x)) this.u8.set(x.packed.subarray(c0 * B, (c0 + m) * B), L.packed);
      else {
        const w0 = c0 >>> 5, words = Math.min(Math.ceil(m / 32), x.words - w0);
        for (let i = 0; i < L.inputs; i++) {
          const src = i * x.words + w0;
          this.u32.set(x.data.subarray(src, src + words), (L.sliced + i * L.rowStride) >>> 2);
        }
      }
      this.run(m, mode);
      const u16 = this.u16;
      for (let s = 0; s < m; s++) classes[c0 + s] = u16[cls + s];
      if (scores) {
        const off = c0 * K;
        for (let i = 0; i < m * K; i++) scores[off + i] = u16[sc + i];
      }
    }
  }
}

/** A compiled inference module for one IR, run in this thread or across worker threads. */
export class WasmInference {
  readonly module: WebAssembly.Module;
  readonly layout: WasmLayout;
  /** Milliseconds to generate the binary and to compile it (WebAssembly.Module). */
  readonly codegenMs: number;
  readonly compileMs: number;
  private runner: WasmRunner | null = null;
  private workers: Worker[] = [];

  /**
   * optimizeNow: compile with V8's optimizing tier up front (seconds on big nets) instead of
   * its baseline compiler with tier-up while running: worth it for large batches.
   */
  constructor(ir: Ir, o: { optimizeNow?: boolean } = {}) {
    const t0 = performance.now();
    const emitted = emitWasm(ir);
    const t1 = performance.now();
    if (o.optimizeNow) setFlagsFromString('--no-liftoff --no-wasm-lazy-compilation');
    try {
      this.module = new WebAssembly.Module(emitted.bytes);
    } finally {
      if (o.optimizeNow) setFlagsFromString('--liftoff --wasm-lazy-compilation');
    }
    this.codegenMs = t1 - t0;
    this.compileMs = performance.now() - t1;
    this.layout = emitted.layout;
  }

  private local(): WasmRunner {
    return (this.runner ??= new WasmRunner(this.module, this.layout));
  }

  private alloc(n: number, o: InferOptions): { classes: Int32Array; scores: Int32Array } {
    return { classes: new Int32Array(n), scores: new Int32Array(o.scores === false ? 0 : n * this.layout.classes) };
  }

  /** Evaluates x in this thread. */
  evaluate(x: InferenceInput, o: InferOptions = {}): Evaluation {
    checkPacked(x, this.layout);
    const n = inputCount(x);
    const { classes, scores } = this.alloc(n, o);
    this.local().evaluateRange(x, 0, n, classes, o.scores === false ? null : scores);
    return { count: n, classes: this.layout.classes, scores, predictions: classes };
  }

  /**
   * Evaluates x split over `threads` threads (this one included; default: all cores) when
   * the batch gives each at least `minPerThread` vectors (default 65,536: a fresh worker
   * needs ~0.2 s to start); else in this thread. Workers stay up for the next call until
   * close() (they do not keep the process alive).
   */
  async evaluateParallel(x: InferenceInput, o: InferOptions & { threads?: number; minPerThread?: number } = {}): Promise<Evaluation> {
    checkPacked(x, this.layout);
    const n = inputCount(x);
    const threads = Math.max(1, Math.min(o.threads ?? defaultThreads(), Math.floor(n / Math.max(128, o.minPerThread ?? 65536))));
    if (threads <= 1) return this.evaluate(x, o);
    const { classes, scores } = this.alloc(n, o);
    const wantScores = o.scores !== false;
    // Equal shares, each a whole number of 128-sample blocks.
    const share = Math.ceil(n / threads / 128) * 128;
    const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.min(n, t * share));
    while (this.workers.length < threads - 1) this.workers.push(new Worker(workerUrl(), { workerData: { module: this.module, layout: this.layout } }));
    const done = this.workers.slice(0, threads - 1).map((w, i) => {
      const t = i + 1, from = bounds[t], to = bounds[t + 1];
      const part = sliceInput(x, from, to, this.layout);
      w.ref();
      return new Promise<void>((resolve, reject) => {
        const fail = (err: unknown) => { cleanup(); reject(err instanceof Error ? err : new Error(`inference worker exited (code ${err}) before it answered`)); };
        const ok = (r: { classes: Int32Array; scores: Int32Array | null }) => {
          cleanup();
          classes.set(r.classes, from);
          if (r.scores) scores.set(r.scores, from * this.layout.classes);
          resolve();
        };
        const cleanup = () => { w.off('message', ok); w.off('error', fail); w.off('exit', fail); w.unref(); };
        w.on('message', ok);
        w.on('error', fail);
        w.on('exit', fail);
        const buffer = isPacked(part) ? part.packed.buffer : part.data.buffer;
        w.postMessage({ input: part, count: to - from, scores: wantScores }, [buffer as ArrayBuffer]);
      });
    });
    this.local().evaluateRange(x, 0, bounds[1], classes, wantScores ? scores : null);
    try {
      await Promise.all(done);
    } catch (err) {
      await this.close();
      throw err;
    }
    return { count: n, classes: this.layout.classes, scores, predictions: classes };
  }

  /** Stops the worker threads (a later evaluateParallel starts new ones). */
  async close(): Promise<void> {
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

export function defaultThreads(): number {
  return availableParallelism();
}

/** Samples [from, to) of x as an input of its own (a copy, to post to a worker). */
function sliceInput(x: InferenceInput, from: number, to: number, L: WasmLayout): InferenceInput {
  if (isPacked(x)) return { packed: x.packed.slice(from * L.bytesPerVector, to * L.bytesPerVector), count: to - from };
  const w0 = from >>> 5, words = Math.ceil((to - from) / 32);
  const data = new Uint32Array(x.rows * words);
  for (let r = 0; r < x.rows; r++) data.set(x.data.subarray(r * x.words + w0, r * x.words + w0 + words), r * words);
  return { rows: x.rows, count: to - from, words, data };
}

function checkPacked(x: InferenceInput, L: WasmLayout): void {
  if (isPacked(x) && x.packed.length < x.count * L.bytesPerVector) {
    throw new RangeError(`packed input holds ${x.packed.length} bytes, ${x.count} vectors of ${L.inputs} bits need ${x.count * L.bytesPerVector}`);
  }
}

/** wasm-worker.js next to this file (dist/), or dist/ when running from the TypeScript sources. */
function workerUrl(): URL {
  const here = new URL('./wasm-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/emit/wasm-worker.js', import.meta.url);
}
