// The reference evaluator: what a frozen netlist computes, by definition. Bit-parallel:
// 32 samples per uint32 word, every signal stored "bit-sliced" (one row of words per signal).
// Scores are Group-Sum popcounts; the prediction is the argmax, ties to the lowest class.
// Every later stage (passes, Verilog, synthesized netlists) is checked against this file.
// Version 2 layers run as they are defined (layers.ts, README): each conv kernel's tree at
// every position, OR pooling over each window, flatten as the identity — not through the
// unrolled gates of `lgnc flatten`, which are checked against this.

import { opWord } from './gates.js';
import { convLeafSignals, convOutputShape, layerKind, poolOutputShape, poolWindowSignals } from './layers.js';
import type { AnyNetlist, ConvLayer, GateLayer, NetlistV2, OrPoolLayer } from './netlist.js';

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

/** Runs the layers; returns the last layer's outputs, bit-sliced. */
export function forwardSlices(net: AnyNetlist, x: BitSlices): BitSlices {
  if (x.rows !== net.inputs) {
    throw new RangeError(`input has ${x.rows} bits per vector, the network expects ${net.inputs}`);
  }
  if (net.version === 2) return forwardV2(net, x);
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

/** v2: every layer's outputs are kept while a later "from": "all" layer may read them. */
function forwardV2(net: NetlistV2, x: BitSlices): BitSlices {
  const W = x.words;
  const outs: Uint32Array[] = [x.data.subarray(0, net.inputs * W)];
  const starts: number[] = [0];
  let total = net.inputs;
  let prev = outs[0];
  for (const layer of net.layers) {
    let out: Uint32Array;
    switch (layerKind(layer)) {
      case 'gates': out = gateLayer(layer as GateLayer, prev, outs, starts, W); break;
      case 'conv': out = convLayer(layer as ConvLayer, prev, W); break;
      case 'orpool': out = orPoolLayer(layer as OrPoolLayer, prev, W); break;
      case 'flatten': out = prev; break;
    }
    outs.push(out);
    starts.push(total);
    total += out.length / W;
    prev = out;
  }
  return { rows: prev.length / W, count: x.count, words: W, data: prev };
}

function gateLayer(layer: GateLayer, prev: Uint32Array, outs: Uint32Array[], starts: number[], W: number): Uint32Array {
  const n = layer.op.length;
  const out = new Uint32Array(n * W);
  const all = layer.from === 'all';
  // Signal i of [inputs, layer 0, …]: the block whose start is the last one ≤ i.
  const locate = (i: number): [Uint32Array, number] => {
    if (!all) return [prev, i * W];
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= i) lo = mid;
      else hi = mid - 1;
    }
    return [outs[lo], (i - starts[lo]) * W];
  };
  for (let g = 0; g < n; g++) {
    const op = layer.op[g];
    const [A, ra] = locate(layer.a[g]);
    const [B, rb] = locate(layer.b[g]);
    const ro = g * W;
    for (let w = 0; w < W; w++) out[ro + w] = opWord(op, A[ra + w], B[rb + w]);
  }
  return out;
}

/** Each kernel's tree at every output position; leaves in the padding read 0. */
function convLayer(layer: ConvLayer, inp: Uint32Array, W: number): Uint32Array {
  const [K, Ho, Wo] = convOutputShape(layer);
  const leaves = 2 ** layer.depth;
  const out = new Uint32Array(K * Ho * Wo * W);
  const sig = new Int32Array(leaves);
  const buf = new Uint32Array((leaves / 2) * W);
  for (let k = 0; k < K; k++) {
    const ops = layer.op[k];
    for (let y = 0; y < Ho; y++) {
      for (let x = 0; x < Wo; x++) {
        convLeafSignals(layer, k, y, x, sig);
        // Level 0: gate g reads leaves 2g and 2g+1.
        let n = leaves / 2;
        for (let g = 0; g < n; g++) {
          const op = ops[g], sa = sig[2 * g], sb = sig[2 * g + 1];
          for (let w = 0; w < W; w++) buf[g * W + w] = opWord(op, sa < 0 ? 0 : inp[sa * W + w], sb < 0 ? 0 : inp[sb * W + w]);
        }
        // Level ℓ: gate g reads gates 2g and 2g+1 of level ℓ − 1 (in place: g ≤ 2g).
        let opAt = n;
        for (n >>= 1; n >= 1; n >>= 1) {
          for (let g = 0; g < n; g++) {
            const op = ops[opAt + g];
            for (let w = 0; w < W; w++) buf[g * W + w] = opWord(op, buf[2 * g * W + w], buf[(2 * g + 1) * W + w]);
          }
          opAt += n;
        }
        out.set(buf.subarray(0, W), ((k * Ho + y) * Wo + x) * W);
      }
    }
  }
  return out;
}

/** OR over each window of each channel; the padding reads 0. */
function orPoolLayer(layer: OrPoolLayer, inp: Uint32Array, W: number): Uint32Array {
  const [C, Ho, Wo] = poolOutputShape(layer);
  const out = new Uint32Array(C * Ho * Wo * W);
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < Ho; y++) {
      for (let x = 0; x < Wo; x++) {
        const ro = ((c * Ho + y) * Wo + x) * W;
        for (const s of poolWindowSignals(layer, c, y, x)) {
          for (let w = 0; w < W; w++) out[ro + w] = (out[ro + w] | inp[s * W + w]) >>> 0;
        }
      }
    }
  }
  return out;
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
export function evaluateNetlist(net: AnyNetlist, x: BitSlices): Evaluation {
  const classes = net.output.classes;
  const scores = groupSumScores(forwardSlices(net, x), classes);
  return { count: x.count, classes, scores, predictions: argmaxClasses(scores, classes) };
}
