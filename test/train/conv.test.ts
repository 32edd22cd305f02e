// Conv logic trees in the trainer (src/train/conv.ts): gradients against central finite
// differences in float64 through the trainer's own loops, the frozen v2 netlist against the
// trainer's hard forward (reference evaluator and `lgnc flatten`), and the --conv spec.

import { describe, expect, it } from 'vitest';
import { allocWork, backwardConv, buildConvModel, forwardConv, freezeConvModel, gatherConv, parseConvSpec, type ConvModel } from '../../src/train/conv.js';
import { mulberry32, randomVectors } from '../../src/netlist/vectors.js';
import { forwardSlices, getBit } from '../../src/netlist/evaluate.js';
import { validateNetlist, type NetlistV2 } from '../../src/netlist/netlist.js';
import { flattenNetlist } from '../../src/netlist/flatten.js';
import { coefficients, opCoefficients } from '../../src/train/softmax16.js';
import { iwpCoefficientsOf } from '../../src/train/iwp.js';
import { paramOf } from '../../src/train/param.js';
import { UserError } from '../../src/util/errors.js';

const SPEC = 'conv:3:d2:r3:p1:c2,pool,conv:2:d3:r2:p0:s1:c3';

function tinyModel(seed: number, spec = SPEC, bitsPerPixel = 2, widths = [6, 4]): ConvModel {
  return buildConvModel(parseConvSpec(spec), { side: 5, bitsPerPixel }, widths, 2, mulberry32(seed), spec);
}

/** Σ weights · outputs of the last layer: a linear read-out whose gradient is `weights`. */
function readout(m: ConvModel, coef: Float64Array, x: Float64Array, weights: Float64Array, B: number): number {
  const w = allocWork(m, B, Float64Array);
  w.x.set(x);
  const out = forwardConv(m, w, coef, B);
  let s = 0;
  for (let i = 0; i < weights.length; i++) s += weights[i] * out[i];
  return s;
}

describe('conv trees: gradients', () => {
  for (const [seed, spec, widths] of [[1, SPEC, [6, 4]], [2, SPEC, [6, 4]], [3, 'conv:3:d3:r3:p1:c2,pool', [4]], [4, 'conv:2:d2:r2:p0:c1,pool:2', [2]]] as const) {
    it(`coefficient gradients match central differences (seed ${seed}, ${spec})`, () => {
      const m = tinyModel(seed, spec, 2, [...widths]);
      const B = 3;
      const rand = mulberry32(100 + seed);
      const x = Float64Array.from({ length: (m.inputs + 1) * B }, (_, i) => (i < m.inputs * B ? rand() : 0));
      const logits = Float64Array.from({ length: m.gates * 16 }, () => 2 * (rand() - 0.5));
      const coef = new Float64Array(m.gates * 4);
      coefficients(logits, coef, 0, m.gates);
      const last = m.layers[m.layers.length - 1].width;
      const weights = Float64Array.from({ length: last * B }, () => rand() - 0.5);
      const w = allocWork(m, B, Float64Array);
      w.x.set(x);
      forwardConv(m, w, coef, B);
      const dcoef = new Float64Array(m.gates * 4);
      const gout = w.g0.subarray(0, last * B);
      gout.set(weights);
      backwardConv(m, w, coef, dcoef, w.g0, B);
      const h = 1e-6;
      let checked = 0;
      for (let i = 0; i < coef.length; i++) {
        const c = coef[i];
        coef[i] = c + h;
        const up = readout(m, coef, x, weights, B);
        coef[i] = c - h;
        const down = readout(m, coef, x, weights, B);
        coef[i] = c;
        const fd = (up - down) / (2 * h);
        expect(Math.abs(dcoef[i] - fd)).toBeLessThan(1e-8 + 1e-6 * Math.abs(fd));
        if (Math.abs(fd) > 1e-4) checked++;
      }
      // Every layer's gates get a gradient, the first conv kernels too (small: 7 soft gate levels deep).
      expect(checked).toBeGreaterThan(coef.length / 3);
      const conv0 = m.layers[0];
      expect(conv0.kind).toBe('conv');
      const firstConv = 4 * (conv0.kind === 'conv' ? conv0.net.kernels * (2 ** conv0.net.depth - 1) : 0);
      expect(Math.max(...Array.from(dcoef.subarray(0, firstConv)).map(Math.abs))).toBeGreaterThan(widths.length === 1 ? 1e-3 : 1e-8);
    });
  }
});

describe('conv trees: freezing', () => {
  for (const [param, bits] of [['softmax16', 1], ['iwp', 2], ['iwp', 3]] as const) {
    it(`the frozen v2 netlist computes the trainer's hard forward (${param}, ${bits} bit${bits > 1 ? 's' : ''} per pixel)`, () => {
      const m = tinyModel(7 + bits, 'conv:4:d2:r3:p1:c2,pool,conv:3:d2:r3:p1:c2', bits);
      const rand = mulberry32(5);
      const k = param === 'iwp' ? 4 : 16;
      const logits = Float64Array.from({ length: m.gates * k }, () => 3 * (rand() - 0.5));
      const net = freezeConvModel(m, param, 'sin', logits, 'tiny', { kind: 'thresholds', features: 25, thresholds: Array.from({ length: 25 }, () => Array.from({ length: bits }, (_, t) => 10 * (t + 1))) }, 1, {});
      validateNetlist(JSON.parse(JSON.stringify(net)), 'frozen');
      // Hard coefficients: the frozen ops, and check they are what the soft model rounds to.
      const frozenOp = paramOf(param, 'sin').frozenOp;
      const hard = new Float64Array(m.gates * 4);
      for (let g = 0; g < m.gates; g++) opCoefficients(frozenOp(logits, g), hard, g);
      const count = 70;
      const x = randomVectors(m.inputs, count, 11);
      const w = allocWork(m, count, Float64Array);
      gatherConv(m, w, x.data, x.words, Int32Array.from({ length: count }, (_, i) => i), count);
      const out = forwardConv(m, w, hard, count);
      const ref = forwardSlices(net, x);
      const flat = forwardSlices(flattenNetlist(net), x);
      const last = m.layers[m.layers.length - 1].width;
      expect(ref.rows).toBe(last);
      for (let o = 0; o < last; o++) {
        for (let s = 0; s < count; s++) {
          expect(out[o * count + s]).toBe(getBit(ref, o, s));
          expect(getBit(flat, o, s)).toBe(getBit(ref, o, s));
        }
      }
      void iwpCoefficientsOf;
    });
  }

  it('writes conv layers with the leaves drawn, shared over positions, orpool, flatten, gate layers', () => {
    const m = tinyModel(3);
    const net: NetlistV2 = freezeConvModel(m, 'iwp', 'sin', new Float64Array(m.gates * 4), 't', { kind: 'thresholds', features: 25, thresholds: Array.from({ length: 25 }, () => [1, 2]) }, 1, {});
    expect(net.layers.map((l) => (l as { kind?: string }).kind ?? 'gates')).toEqual(['gates', 'conv', 'orpool', 'conv', 'flatten', 'gates', 'gates']);
    const c = net.layers[1] as { leaves: number[][][]; op: number[][]; input: number[] };
    expect(c.input).toEqual([2, 5, 5]);
    expect(c.leaves.length).toBe(3);
    expect(c.op[0].length).toBe(3);
  });
});

describe('--conv spec', () => {
  it('parses stages with defaults', () => {
    expect(parseConvSpec('conv:32,pool,conv:64:d2:r5:p2:c3,pool:3')).toEqual([
      { kind: 'conv', kernels: 32, depth: 3, field: 3, padding: 1, stride: 1, channels: 2 },
      { kind: 'pool', size: 2 },
      { kind: 'conv', kernels: 64, depth: 2, field: 5, padding: 2, stride: 1, channels: 3 },
      { kind: 'pool', size: 3 },
    ]);
  });
  for (const bad of ['', 'pool', 'conv', 'conv:0', 'conv:8:q3', 'conv:8:d0', 'conv:8:d9', 'dense:3', 'conv:4,pool:1', 'conv:4,pool:2:2']) {
    it(`refuses ${JSON.stringify(bad)} with a message naming the stage`, () => {
      expect(() => parseConvSpec(bad)).toThrow(UserError);
      expect(() => parseConvSpec(bad)).toThrow(/--conv .*stage .*conv:K/);
    });
  }
  it('refuses a receptive field or pooling window that does not fit its input', () => {
    expect(() => tinyModel(1, 'conv:2:r7:p0')).toThrow(/receptive field does not fit/);
    expect(() => tinyModel(1, 'conv:2,pool,pool,pool')).toThrow(/pooling window does not fit/);
  });
});
