// The reference evaluator: what a frozen netlist computes, by definition. Bit-parallel:
// 32 samples per uint32 word, every signal stored "bit-sliced" (one row of words per signal).
// Scores are Group-Sum popcounts; the prediction is the argmax, ties to the lowest class.
// Every later stage (passes, Verilog, synthesized netlists) is checked against this file.

import { opWord } from './gates.js';
import type { Netlist } from './netlist.js';

/** `rows` signals × `count` samples; sample s of signal r is bit (s & 31) of data[r * words + (s >>> 5)]. */
export interface BitSlices {
  rows: number;
  count: number;
  words: number;
  data: Uint32Array;
}

export function allocSlices(rows: number, count: number): BitSlices {
  const words = Math.ceil(count / 32);
  return { rows, count, words, data: new Uint32Array(rows * words) };
}

/** Bit of signal `row` for sample `s`. */
export function getBit(x: BitSlices, row: number, s: number): number {
  return (x.data[row * x.words + (s >>> 5)] >>> (s & 31)) & 1;
}

export function setBit(x: BitSlices, row: number, s: number, v: number): void {
  const i = row * x.words + (s >>> 5);
  const m = 1 << (s & 31);
  x.data[i] = v ? x.data[i] | m : x.data[i] & ~m;
}

/** From row-major 0/1 bytes (count × width, sample-major) to bit slices (width rows). */
export function sliceBits(bits: Uint8Array, count: number, width: number): BitSlices {
  const x = allocSlices(width, count);
  for (let s = 0; s < count; s++) {
    const w = s >>> 5;
    const m = 1 << (s & 31);
    const row = bits.subarray(s * width, (s + 1) * width);
    for (let i = 0; i < width; i++) if (row[i]) x.data[i * x.words + w] |= m;
  }
  return x;
}

/** Runs the gate layers; returns the last layer's outputs, bit-sliced. */
export function forwardSlices(net: Netlist, x: BitSlices): BitSlices {
  if (x.rows !== net.inputs) {
    throw new RangeError(`input has ${x.rows} bits per vector, the network expects ${net.inputs}`);
  }
  const W = x.words;
  let prev = x.data;
  for (const layer of net.layers) {
    const n = layer.op.length;
    const out = new Uint32Array(n * W);
    for (let g = 0; g < n; g++) {
      const op = layer.op[g];
      const ra = layer.a[g] * W;
      const rb = layer.b[g] * W;
      const ro = g * W;
      for (let w = 0; w < W; w++) out[ro + w] = opWord(op, prev[ra + w], prev[rb + w]);
    }
    prev = out;
  }
  const last = net.layers[net.layers.length - 1].op.length;
  return { rows: last, count: x.count, words: W, data: prev };
}

/** Group-Sum scores (count × classes, sample-major) from the last layer's outputs. */
export function groupSumScores(out: BitSlices, classes: number): Int32Array {
  const per = out.rows / classes;
  const scores = new Int32Array(out.count * classes);
  const lastWord = out.words - 1;
  const tailMask = out.count % 32 === 0 ? 0xffffffff : (1 << (out.count % 32)) - 1;
  for (let c = 0; c < classes; c++) {
    for (let j = c * per; j < (c + 1) * per; j++) {
      const base = j * out.words;
      for (let w = 0; w <= lastWord; w++) {
        let v = out.data[base + w];
        if (w === lastWord) v &= tailMask;
        while (v !== 0) {
          const bit = 31 - Math.clz32(v & -v);
          scores[((w << 5) + bit) * classes + c]++;
          v &= v - 1;
        }
      }
    }
  }
  return scores;
}

/** Argmax per sample, ties to the lowest class index. */
export function argmaxClasses(scores: Int32Array, classes: number): Int32Array {
  const count = scores.length / classes;
  const pred = new Int32Array(count);
  for (let s = 0; s < count; s++) {
    let best = 0;
    let bestScore = scores[s * classes];
    for (let c = 1; c < classes; c++) {
      const v = scores[s * classes + c];
      if (v > bestScore) {
        best = c;
        bestScore = v;
      }
    }
    pred[s] = best;
  }
  return pred;
}

export interface Evaluation {
  count: number;
  classes: number;
  /** count × classes, sample-major. */
  scores: Int32Array;
  /** Predicted class per sample. */
  predictions: Int32Array;
}

/** Scores and predicted class of every sample in x. */
export function evaluateNetlist(net: Netlist, x: BitSlices): Evaluation {
  const classes = net.output.classes;
  const scores = groupSumScores(forwardSlices(net, x), classes);
  return { count: x.count, classes, scores, predictions: argmaxClasses(scores, classes) };
}
