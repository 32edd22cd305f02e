// The SIMD kernels (wasm.ts) against the JavaScript reference loops (kernels.ts, topk.ts), on
// the same random data in a shared wasm memory: every kernel, batch sizes on both sides of the
// 4-lane vectors (tails included), gates whose two inputs are the same row, and the "no input
// gradient" form of the first layer. The reference runs in float64; the kernels in float32,
// so values agree to float32 rounding, not bit for bit.

import { describe, expect, it } from 'vitest';
import { backwardLayer, forwardLayer } from '../../src/train/kernels.js';
import { backwardMix, backwardMixed, forwardMixed, mixInputs } from '../../src/train/topk.js';
import { backwardDenseInput, denseWeightGradient, mixDense, updateDenseRow } from '../../src/train/dense.js';
import { kernelModule, wasmKernels } from '../../src/train/wasm.js';
import { mulberry32 } from '../../src/netlist/vectors.js';

const P = 64; // rows in the previous layer
const W = 40; // gates
const K = 3; // topk candidates
const g0 = 5; // global index of the layer's first gate

/** Views carved from one shared memory (from byte 16, like the trainer's), plus float64 copies. */
function arena() {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
  let at = 16;
  /** n values in the memory, each fill() (zeros without one). */
  function take<T extends Float32Array | Int32Array>(Ctor: new (b: ArrayBufferLike, o: number, n: number) => T, n: number, fill: () => number = () => 0): T {
    const v = new Ctor(memory.buffer, at, n);
    at += Math.ceil((4 * n) / 16) * 16;
    for (let i = 0; i < n; i++) v[i] = fill();
    return v;
  }
  const f32 = (n: number, fill?: () => number) => take(Float32Array, n, fill);
  const i32 = (n: number, fill?: () => number) => take(Int32Array, n, fill);
  return { memory, f32, i32 };
}

/** max |x - y| / (1 + |y|) */
function maxRelDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  expect(x.length).toBe(y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
  return m;
}

const TOL = 2e-6;

describe('SIMD training kernels equal the JavaScript reference', async () => {
  const module = await kernelModule();
  for (const B of [1, 3, 4, 7, 16, 29]) {
    it(`batch ${B}: layer forward and backward (fixed connections), with and without input gradients`, () => {
      const { memory, f32, i32 } = arena();
      const k = wasmKernels(module, memory);
      const rand = mulberry32(B);
      const G = g0 + W;
      const prev = f32(P * B, () => rand());
      const gout = f32(W * B, () => rand() - 0.5);
      const a = i32(G), b = i32(G);
      for (let g = 0; g < G; g++) {
        a[g] = Math.floor(rand() * P);
        b[g] = g % 7 === 0 ? a[g] : Math.floor(rand() * P); // some gates read one row twice
      }
      const coef = f32(4 * G, () => rand() - 0.5);
      const out = f32(W * B);
      k.forwardLayer(prev, out, B, a, b, coef, g0, W);
      const outRef = new Float64Array(W * B);
      forwardLayer(Float64Array.from(prev), outRef, B, a, b, Float64Array.from(coef), g0, W);
      expect(maxRelDiff(out, outRef)).toBeLessThan(TOL);

      for (const withGin of [true, false]) {
        const gin = f32(P * B, () => rand() - 0.5); // accumulated into, not overwritten
        const dcoef = f32(4 * G, () => rand());
        const ginRef = Float64Array.from(gin);
        const dcoefRef = Float64Array.from(dcoef);
        k.backwardLayer(prev, gout, withGin ? gin : null, B, a, b, coef, dcoef, g0, W);
        backwardLayer(Float64Array.from(prev), Float64Array.from(gout), withGin ? ginRef : null, B, a, b, Float64Array.from(coef), dcoefRef, g0, W);
        expect(maxRelDiff(gin, ginRef)).toBeLessThan(TOL);
        expect(maxRelDiff(dcoef, dcoefRef)).toBeLessThan(TOL);
      }
    });

    it(`batch ${B}: learnable connectivity (mix, gates on mixed rows, and both backward passes)`, () => {
      const { memory, f32, i32 } = arena();
      const k = wasmKernels(module, memory);
      const rand = mulberry32(100 + B);
      const G = g0 + W;
      const prev = f32(P * B, () => rand());
      const cand = i32(G * K, () => Math.floor(rand() * P));
      cand[g0 * K + 1] = cand[g0 * K]; // one gate with a repeated candidate
      const w = f32(G * K, () => rand());
      const xa = f32(W * B);
      k.mixInputs(prev, xa, B, cand, w, K, g0, W);
      const xaRef = new Float64Array(W * B);
      mixInputs(Float64Array.from(prev), xaRef, B, cand, Float64Array.from(w), K, g0, W);
      expect(maxRelDiff(xa, xaRef)).toBeLessThan(TOL);

      const xb = f32(W * B, () => rand());
      const coef = f32(4 * G, () => rand() - 0.5);
      const out = f32(W * B);
      k.forwardMixed(xa, xb, out, B, coef, g0, W);
      const outRef = new Float64Array(W * B);
      forwardMixed(Float64Array.from(xa), Float64Array.from(xb), outRef, B, Float64Array.from(coef), g0, W);
      expect(maxRelDiff(out, outRef)).toBeLessThan(TOL);

      const gout = f32(W * B, () => rand() - 0.5);
      const dxa = f32(W * B), dxb = f32(W * B);
      const dcoef = f32(4 * G, () => rand());
      const dxaRef = new Float64Array(W * B), dxbRef = new Float64Array(W * B), dcoefRef = Float64Array.from(dcoef);
      k.backwardMixed(xa, xb, gout, dxa, dxb, B, coef, dcoef, g0, W);
      backwardMixed(Float64Array.from(xa), Float64Array.from(xb), Float64Array.from(gout), dxaRef, dxbRef, B, Float64Array.from(coef), dcoefRef, g0, W);
      expect(maxRelDiff(dxa, dxaRef)).toBeLessThan(TOL);
      expect(maxRelDiff(dxb, dxbRef)).toBeLessThan(TOL);
      expect(maxRelDiff(dcoef, dcoefRef)).toBeLessThan(TOL);

      for (const withGin of [true, false]) {
        const gin = f32(P * B, () => rand() - 0.5);
        const dw = f32(G * K, () => rand());
        const ginRef = Float64Array.from(gin), dwRef = Float64Array.from(dw);
        k.backwardMix(prev, dxa, withGin ? gin : null, B, cand, w, K, dw, g0, W);
        backwardMix(Float64Array.from(prev), Float64Array.from(dxa), withGin ? ginRef : null, B, cand, Float64Array.from(w), K, dwRef, g0, W);
        expect(maxRelDiff(gin, ginRef)).toBeLessThan(TOL);
        expect(maxRelDiff(dw, dwRef)).toBeLessThan(TOL);
      }
    });
  }

  // Shapes on both sides of the 4×8 register tiles and the 128-long reduction blocks.
  for (const [B, P, n] of [[1, 5, 3], [7, 130, 9], [8, 64, 4], [13, 257, 6], [32, 40, 17]]) {
    it(`dense connectivity, batch ${B}, ${P} signals, ${n} gate inputs: mix, input gradient, weight gradient`, () => {
      const { memory, f32 } = arena();
      const k = wasmKernels(module, memory);
      const rand = mulberry32(7 * B + P);
      const prev = f32(P * B, () => rand());
      const w = f32(n * P, () => rand() - 0.5);
      const x = f32(n * B, () => rand()); // accumulated into
      const xRef = Float64Array.from(x);
      k.mixDense(prev, x, B, w, P, n);
      mixDense(Float64Array.from(prev), xRef, B, Float64Array.from(w), P, n);
      expect(maxRelDiff(x, xRef)).toBeLessThan(TOL * 4);

      const dx = f32(n * B, () => rand() - 0.5);
      const gin = f32(P * B, () => rand() - 0.5);
      const ginRef = Float64Array.from(gin);
      k.backwardDenseInput(dx, gin, B, w, P, n);
      backwardDenseInput(Float64Array.from(dx), ginRef, B, Float64Array.from(w), P, n);
      expect(maxRelDiff(gin, ginRef)).toBeLessThan(TOL * 4);

      const dw = f32(n * P, () => rand());
      const dwRef = Float64Array.from(dw);
      k.denseWeightGradient(dx, prev, B, P, n, dw);
      denseWeightGradient(Float64Array.from(dx), Float64Array.from(prev), B, P, n, dwRef);
      expect(maxRelDiff(dw, dwRef)).toBeLessThan(TOL * 4);
    });
  }

  for (const n of [1, 3, 8, 37, 784]) {
    it(`dense row update (softmax gradient, Adam, new softmax) of ${n} logits`, () => {
      const { memory, f32 } = arena();
      const k = wasmKernels(module, memory);
      const rand = mulberry32(n);
      const o = 3, go = 2; // rows start off the 16-byte grid
      const log = f32(n + o, () => 4 * (rand() - 0.5));
      const w = f32(n + o, () => rand());
      const m = f32(n + o, () => 0.01 * (rand() - 0.5));
      const v = f32(n + o, () => 1e-4 * rand());
      const grad = f32(n + go, () => rand() - 0.5);
      const a = { lr: 0.02, b1: 0.9, b2: 0.999, eps: 1e-8, decay: 0.9998, bc1: 1 - 0.9 ** 7, bc2: 1 - 0.999 ** 7 };
      const ref = [log, w, m, v].map((x) => Float64Array.from(x));
      k.updateDenseRow(log, w, m, v, o, grad, go, n, a);
      updateDenseRow(ref[0], ref[1], ref[2], ref[3], o, Float64Array.from(grad), go, n, a);
      [log, w, m, v].forEach((x, i) => expect(maxRelDiff(x, ref[i])).toBeLessThan(2e-6));
      for (let i = 0; i < n; i++) expect(Math.abs(w[o + i] - ref[1][o + i]) / ref[1][o + i]).toBeLessThan(1e-5); // the exp, relative
      let sum = 0;
      for (let i = 0; i < n; i++) sum += w[o + i];
      expect(sum).toBeCloseTo(1, 5);
    });
  }

  it('refuses an array that is not in its memory (it would read garbage)', () => {
    const { memory, f32, i32 } = arena();
    const k = wasmKernels(module, memory);
    const a = i32(4), b = i32(4);
    expect(() => k.forwardLayer(new Float32Array(8), f32(8), 2, a, b, f32(16), 0, 4)).toThrow(/not in the state memory/);
  });
});
