// Input encodings: fitted thresholds and encode(), which must set bit = (x_f > t) exactly as
// the netlist's thresholds say, in feature order, thresholds ascending.

import { describe, expect, it } from 'vitest';
import { encode, encodedBits, fitEncoding, parseEncoding } from '../../src/data/encoding.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/load.js';
import { getBit } from '../../src/netlist/evaluate.js';
import { mulberry32 } from '../../src/netlist/vectors.js';

function table(features: number, count: number, seed: number): Dataset {
  const rand = mulberry32(seed);
  const x = new Float32Array(count * features);
  for (let i = 0; i < x.length; i++) x[i] = Math.round(rand() * 20) / 4 - 1; // many ties
  for (let s = 0; s < count; s++) x[s * features + 2] = 3; // feature 2 is constant
  return { name: 't', features, classes: 2, train: { count, x, y: new Int32Array(count) }, test: { count: 0, x: new Float32Array(0), y: new Int32Array(0) }, defaultEncoding: 'uniform:1', source: 'test' };
}

describe('encodings', () => {
  it('parses uniform:K and quantile:K, rejects anything else with the fix', () => {
    expect(parseEncoding('uniform:3')).toEqual({ kind: 'uniform', k: 3 });
    expect(parseEncoding('quantile:8')).toEqual({ kind: 'quantile', k: 8 });
    for (const bad of ['uniform', 'uniform:0', 'thermo:2', 'quantile:1000']) {
      expect(() => parseEncoding(bad)).toThrow(/expected uniform:K or quantile:K with K in 1\.\.255/);
    }
  });

  it('uniform:K on images: K evenly spaced thresholds over 0..255, the same for every pixel', () => {
    const d = loadDataset('mnist', { limit: 50 });
    const enc = fitEncoding(parseEncoding('uniform:3'), d);
    expect(enc.thresholds).toHaveLength(784);
    expect(enc.thresholds[0]).toEqual([63.75, 127.5, 191.25]);
    expect(enc.thresholds.every((t) => t.join() === enc.thresholds[0].join())).toBe(true);
    expect(fitEncoding(parseEncoding('uniform:1'), d).thresholds[400]).toEqual([127.5]);
  });

  it('uniform:K on a table: per-feature range, the range of all features for a constant one', () => {
    const d = table(4, 100, 1);
    const enc = fitEncoding(parseEncoding('uniform:2'), d);
    for (const ts of enc.thresholds) {
      expect(ts).toHaveLength(2);
      expect(ts[1]).toBeGreaterThan(ts[0]);
    }
    expect(enc.thresholds[2]).toEqual([-1 + 5 / 3, -1 + 10 / 3]); // global range -1..4
  });

  it('quantile:K: ascending values that occur in the data, no always-0 bit, none for a constant feature', () => {
    const d = table(5, 300, 2);
    const enc = fitEncoding(parseEncoding('quantile:4'), d);
    const x = d.train.x;
    enc.thresholds.forEach((ts, f) => {
      const col = Array.from({ length: 300 }, (_, s) => x[s * 5 + f]);
      for (let i = 1; i < ts.length; i++) expect(ts[i]).toBeGreaterThan(ts[i - 1]);
      for (const t of ts) {
        expect(col).toContain(t);
        expect(t).toBeLessThan(Math.max(...col));
      }
    });
    expect(enc.thresholds[2]).toEqual([]);
    expect(encodedBits(enc)).toBe(enc.thresholds.reduce((s, t) => s + t.length, 0));
  });

  it('encode: bit (offset_f + j) of sample s is x[s][f] > thresholds[f][j], for every bit', () => {
    const d = table(5, 77, 3);
    for (const spec of ['uniform:3', 'quantile:5']) {
      const enc = fitEncoding(parseEncoding(spec), d);
      const bits = encode(enc, d.train.x, 77);
      expect(bits.rows).toBe(encodedBits(enc));
      for (let s = 0; s < 77; s++) {
        let row = 0;
        enc.thresholds.forEach((ts, f) => {
          for (const t of ts) expect(getBit(bits, row++, s)).toBe(d.train.x[s * 5 + f] > t ? 1 : 0);
        });
      }
    }
  });
});
