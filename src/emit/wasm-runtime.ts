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
import { Worker } from 'node:worker_threads';
import type { BitSlices, Evaluation } from '../netlist/evaluate.js';
import type { Ir } from '../ir/ir.js';
import { emitWasm, MODE_PACKED, MODE_SCORES, type WasmLayout } from './wasm.js';

/** n packed vectors, ⌈inputs/8⌉ bytes each, back to back. */
export interface PackedVectors {
  packed: Uint8Array;
  count: number;
}

export type InferenceInput = BitSlices | PackedVectors;

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

  constructor(ir: Ir) {
    const t0 = performance.now();
    const emitted = emitWasm(ir);
    const t1 = performance.now();
    this.module = new WebAssembly.Module(emitted.bytes);
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
   * Evaluates x split over `threads` threads (this one included) when the batch is big
   * enough to pay for starting them (at least two chunks per thread); else in this thread.
   */
  async evaluateParallel(x: InferenceInput, o: InferOptions & { threads?: number } = {}): Promise<Evaluation> {
    checkPacked(x, this.layout);
    const n = inputCount(x);
    const threads = Math.max(1, Math.min(o.threads ?? defaultThreads(), Math.floor(n / (2 * this.layout.chunk))));
    if (threads <= 1) return this.evaluate(x, o);
    const { classes, scores } = this.alloc(n, o);
    const wantScores = o.scores !== false;
    // Equal shares, each a whole number of 128-sample blocks.
    const share = Math.ceil(n / threads / 128) * 128;
    const bounds = Array.from({ length: threads + 1 }, (_, t) => Math.min(n, t * share));
    const url = workerUrl();
    const workers = bounds.slice(1, -1).map(() => new Worker(url, { workerData: { module: this.module, layout: this.layout } }));
    try {
      const done = workers.map((w, i) => {
        const t = i + 1, from = bounds[t], to = bounds[t + 1];
        const part = sliceInput(x, from, to, this.layout);
        return new Promise<void>((resolve, reject) => {
          w.once('message', (r: { classes: Int32Array; scores: Int32Array | null }) => {
            classes.set(r.classes, from);
            if (r.scores) scores.set(r.scores, from * this.layout.classes);
            resolve();
          });
          w.once('error', reject);
          w.once('exit', (code) => reject(new Error(`inference worker exited (code ${code}) before it answered`)));
          w.postMessage({ input: part, count: to - from, scores: wantScores });
        });
      });
      this.local().evaluateRange(x, 0, bounds[1], classes, wantScores ? scores : null);
      await Promise.all(done);
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
    return { count: n, classes: this.layout.classes, scores, predictions: classes };
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
