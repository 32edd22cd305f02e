// Input encodings: raw features -> the network's input bits, through thresholds per feature,
// bit = (x_f > t). The thresholds are fitted on the training split and recorded in the
// netlist's `encoding`, so every later stage encodes raw data exactly as training did.
//   uniform:K   K evenly spaced thresholds lo + (hi − lo)·k/(K+1), k = 1..K, over the
//               dataset's known range (pixels 0..255) or else the feature's training range;
//               a feature constant in training uses the range of all features.
//   quantile:K  the k/(K+1) quantiles (k = 1..K) of the feature's training values, each a
//               value that occurs in the data; duplicates and thresholds at or above the
//               maximum (bits that would always be 0) are dropped, so a feature may get
//               fewer than K bits (none when it is constant).
// Input bits are ordered feature by feature, each feature's thresholds ascending: for an
// image, pixel (y, x)'s K bits are side by side, bit (y·W + x)·K + t. A conv layer reads its
// input channel-major ([C, H, W], netlist/layers.ts), so `lgnc train --conv` with K > 1
// starts its netlist with a layer of wires that makes threshold t input channel t.

import { allocSlices, type BitSlices } from '../netlist/evaluate.js';
import type { ThresholdEncoding } from '../netlist/netlist.js';
import { UserError } from '../util/errors.js';
import type { Dataset, FeatureArray } from './dataset.js';

export interface EncodingSpec {
  kind: 'uniform' | 'quantile';
  k: number;
}

export function parseEncoding(text: string): EncodingSpec {
  const m = /^(uniform|quantile):(\d+)$/.exec(text.trim());
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 255) {
    throw new UserError(`--encoding ${JSON.stringify(text)}: expected uniform:K or quantile:K with K in 1..255 (thresholds per feature), e.g. uniform:1 or quantile:4.`);
  }
  return { kind: m[1] as EncodingSpec['kind'], k: Number(m[2]) };
}

export function formatEncoding(spec: EncodingSpec): string {
  return `${spec.kind}:${spec.k}`;
}

/** Fits the thresholds on the dataset's training split. */
export function fitEncoding(spec: EncodingSpec, d: Dataset): ThresholdEncoding {
  const thresholds = spec.kind === 'uniform' ? uniformThresholds(spec.k, d) : quantileThresholds(spec.k, d);
  return { kind: 'thresholds', features: d.features, thresholds };
}

/** Total input bits of an encoding. */
export function encodedBits(enc: ThresholdEncoding): number {
  return enc.thresholds.reduce((s, t) => s + t.length, 0);
}

function featureRanges(d: Dataset): { lo: Float64Array; hi: Float64Array } {
  const F = d.features;
  const lo = new Float64Array(F).fill(Infinity);
  const hi = new Float64Array(F).fill(-Infinity);
  const x = d.train.x;
  for (let s = 0; s < d.train.count; s++) {
    for (let f = 0; f < F; f++) {
      const v = x[s * F + f];
      if (v < lo[f]) lo[f] = v;
      if (v > hi[f]) hi[f] = v;
    }
  }
  return { lo, hi };
}

function spread(lo: number, hi: number, k: number): number[] {
  if (!(hi > lo)) return Array.from({ length: k }, (_, i) => lo + i); // degenerate: any distinct values
  return Array.from({ length: k }, (_, i) => lo + ((hi - lo) * (i + 1)) / (k + 1));
}

function uniformThresholds(k: number, d: Dataset): number[][] {
  if (d.range) return Array.from({ length: d.features }, () => spread(d.range![0], d.range![1], k));
  const { lo, hi } = featureRanges(d);
  const gLo = Math.min(...lo);
  const gHi = Math.max(...hi);
  return Array.from({ length: d.features }, (_, f) => (hi[f] > lo[f] ? spread(lo[f], hi[f], k) : spread(gLo, gHi, k)));
}

function quantileThresholds(k: number, d: Dataset): number[][] {
  const F = d.features;
  const n = d.train.count;
  const x = d.train.x;
  const out: number[][] = [];
  const col = new Float64Array(n);
  for (let f = 0; f < F; f++) {
    for (let s = 0; s < n; s++) col[s] = x[s * F + f];
    col.sort();
    const max = col[n - 1];
    const ts: number[] = [];
    for (let i = 1; i <= k; i++) {
      const q = col[Math.min(n - 1, Math.floor((i * n) / (k + 1)))];
      if (q < max && (ts.length === 0 || q > ts[ts.length - 1])) ts.push(q);
    }
    out.push(ts);
  }
  return out;
}

/**
 * Encodes `count` samples of raw features (sample-major, `enc.features` per sample) into bit
 * slices with one row per input bit: bit (offset_f + j) = x_f > thresholds[f][j].
 */
export function encode(enc: ThresholdEncoding, x: FeatureArray | ArrayLike<number>, count: number): BitSlices {
  const F = enc.features;
  if (x.length < count * F) {
    throw new UserError(`encode: ${x.length} values cannot hold ${count} samples of ${F} features.`);
  }
  const out = allocSlices(encodedBits(enc), count);
  const W = out.words;
  const data = out.data;
  // Row offset of each feature's first bit, and flat thresholds.
  const offsets = new Int32Array(F + 1);
  for (let f = 0; f < F; f++) offsets[f + 1] = offsets[f] + enc.thresholds[f].length;
  const flat = Float64Array.from(enc.thresholds.flat());
  for (let s = 0; s < count; s++) {
    const word = s >>> 5;
    const mask = 1 << (s & 31);
    const base = s * F;
    for (let f = 0; f < F; f++) {
      const v = x[base + f];
      for (let r = offsets[f]; r < offsets[f + 1]; r++) {
        if (v > flat[r]) data[r * W + word] |= mask;
        else break; // thresholds ascend: no later one can be exceeded
      }
    }
  }
  return out;
}
