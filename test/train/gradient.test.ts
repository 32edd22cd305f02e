// Analytic gradients against central finite differences, in float64 through the same kernels
// the trainer runs: one gate layer (inputs and logits), and the Group-Sum softmax loss.

import { describe, expect, it } from 'vitest';
import { backwardLayer, classScores, forwardLayer, softmaxLoss } from '../../src/train/kernels.js';
import { coefficients, coefficientsOf, expNonPositive, logitGradient } from '../../src/train/softmax16.js';
import { OP_COUNT, RELAXATION, opBit } from '../../src/netlist/gates.js';
import { gumbelGradient, gumbelNoise, gumbelRefresh } from '../../src/train/gumbel.js';
import { opCoefficients } from '../../src/train/softmax16.js';
import { backwardMix, backwardMixed, candidateGradient, candidateWeights, connectInvTemp, forwardMixed, mixInputs } from '../../src/train/topk.js';
import { backwardDenseInput, denseWeightGradient, keepBest, mixDense, updateDenseRow } from '../../src/train/dense.js';
import { iwpCoefficientsOf, iwpFrozenOp, iwpGradient, rho, type Rho } from '../../src/train/iwp.js';
import { mulberry32 } from '../../src/netlist/vectors.js';

const B = 5;
const N = 6;
const widths = [8, 6];
const classes = 3;
const tau = 1.7;

function setup(seed: number) {
  const rand = mulberry32(seed);
  const x = Float64Array.from({ length: N * B }, () => rand());
  const G = widths[0] + widths[1];
  const logits = Float64Array.from({ length: G * 16 }, () => 2 * (rand() - 0.5) * 2);
  const a = new Int32Array(G);
  const b = new Int32Array(G);
  let prev = N;
  let g = 0;
  for (const W of widths) {
    for (let j = 0; j < W; j++, g++) {
      a[g] = Math.floor(rand() * prev);
      b[g] = Math.floor(rand() * prev);
    }
    prev = W;
  }
  const labels = Int32Array.from({ length: B }, () => Math.floor(rand() * classes));
  return { x, logits, a, b, labels, G };
}

type Net = ReturnType<typeof setup>;

/** Mean loss over the batch (the trainer's objective). */
function loss(n: Net, x = n.x, logits = n.logits): number {
  const coef = new Float64Array(n.G * 4);
  coefficients(logits, coef, 0, n.G);
  const h = new Float64Array(widths[0] * B);
  const out = new Float64Array(widths[1] * B);
  forwardLayer(x, h, B, n.a, n.b, coef, 0, widths[0]);
  forwardLayer(h, out, B, n.a, n.b, coef, widths[0], widths[1]);
  const scores = new Float64Array(classes * B);
  const res = new Float64Array(2);
  classScores(out, widths[1], B, classes, scores);
  softmaxLoss(scores, B, classes, tau, n.labels, res, null, null, widths[1], 1);
  return res[0] / B;
}

/** Gradients w.r.t. the inputs and the logits, by the trainer's backward path. */
function gradients(n: Net) {
  const coef = new Float64Array(n.G * 4);
  const probs = new Float64Array(n.G * 16);
  const p = new Float64Array(16);
  for (let g = 0; g < n.G; g++) {
    coefficientsOf(n.logits, coef, g, p);
    probs.set(p, 16 * g);
  }
  const h = new Float64Array(widths[0] * B);
  const out = new Float64Array(widths[1] * B);
  forwardLayer(n.x, h, B, n.a, n.b, coef, 0, widths[0]);
  forwardLayer(h, out, B, n.a, n.b, coef, widths[0], widths[1]);
  const scores = new Float64Array(classes * B);
  const res = new Float64Array(2);
  const gout = new Float64Array(widths[1] * B);
  classScores(out, widths[1], B, classes, scores);
  softmaxLoss(scores, B, classes, tau, n.labels, res, null, gout, widths[1], 1 / B);
  const dcoef = new Float64Array(n.G * 4);
  const gh = new Float64Array(widths[0] * B);
  const gx = new Float64Array(N * B);
  backwardLayer(h, gout, gh, B, n.a, n.b, coef, dcoef, widths[0], widths[1]);
  backwardLayer(n.x, gh, gx, B, n.a, n.b, coef, dcoef, 0, widths[0]);
  const dlogits = new Float64Array(n.G * 16);
  const dz = new Float64Array(16);
  for (let g = 0; g < n.G; g++) {
    logitGradient(probs, 16 * g, coef, g, dcoef[4 * g], dcoef[4 * g + 1], dcoef[4 * g + 2], dcoef[4 * g + 3], dz);
    dlogits.set(dz, 16 * g);
  }
  return { gx, dlogits, gout, out };
}

function numeric(f: (v: Float64Array) => number, v: Float64Array, i: number, h = 1e-5): number {
  const keep = v[i];
  v[i] = keep + h;
  const up = f(v);
  v[i] = keep - h;
  const down = f(v);
  v[i] = keep;
  return (up - down) / (2 * h);
}

describe('gradients match finite differences', () => {
  it.each([1, 2, 3])('two gate layers + Group-Sum loss, seed %i: every logit and every input', (seed) => {
    const n = setup(seed);
    const { gx, dlogits } = gradients(n);
    for (let i = 0; i < n.logits.length; i++) {
      expect(dlogits[i]).toBeCloseTo(numeric((v) => loss(n, n.x, v), n.logits, i), 7);
    }
    for (let i = 0; i < n.x.length; i++) {
      expect(gx[i]).toBeCloseTo(numeric((v) => loss(n, v, n.logits), n.x, i), 7);
    }
    // Not vacuous: the gradients are not all zero.
    expect(Math.max(...dlogits.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('Group-Sum softmax loss: d loss / d output for every output and sample', () => {
    const rand = mulberry32(7);
    const W = 9;
    const out = Float64Array.from({ length: W * B }, () => rand());
    const labels = Int32Array.from({ length: B }, (_, s) => s % classes);
    const lossOf = (o: Float64Array) => {
      const scores = new Float64Array(classes * B);
      const res = new Float64Array(2);
      classScores(o, W, B, classes, scores);
      softmaxLoss(scores, B, classes, tau, labels, res, null, null, W, 1);
      return res[0] / B;
    };
    const scores = new Float64Array(classes * B);
    const gout = new Float64Array(W * B);
    classScores(out, W, B, classes, scores);
    softmaxLoss(scores, B, classes, tau, labels, new Float64Array(2), null, gout, W, 1 / B);
    for (let i = 0; i < out.length; i++) expect(gout[i]).toBeCloseTo(numeric(lossOf, out, i), 8);
  });
});

describe('softmax16 coefficients', () => {
  it('the expected relaxation under the softmax, as 4 coefficients (checked against the gate table)', () => {
    const rand = mulberry32(11);
    const logits = Float64Array.from({ length: 16 }, () => 6 * (rand() - 0.5));
    const coef = new Float64Array(4);
    coefficientsOf(logits, coef, 0, new Float64Array(16));
    const w = logits.map(Math.exp);
    const sum = w.reduce((s, x) => s + x, 0);
    for (let k = 0; k < 4; k++) {
      let want = 0;
      for (let op = 0; op < OP_COUNT; op++) want += (w[op] / sum) * RELAXATION[4 * op + k];
      expect(coef[k]).toBeCloseTo(want, 12);
    }
  });

  it('expNonPositive agrees with Math.exp to 1e-14 relative on [-700, 0], and is 0 below', () => {
    for (let i = 0; i <= 100000; i++) {
      const x = -700 * (i / 100000) ** 3;
      expect(Math.abs(expNonPositive(x) / Math.exp(x) - 1)).toBeLessThan(1e-14);
    }
    expect(expNonPositive(0)).toBe(1);
    expect(expNonPositive(-1000)).toBe(0);
  });
});

describe('iwp (input-wise parametrization)', () => {
  /** Two layers as in setup(), but 4 parameters Ω per gate. */
  function iwpLoss(kind: Rho, n: Net, params: Float64Array, grads?: Float64Array): number {
    const coef = new Float64Array(n.G * 4);
    for (let g = 0; g < n.G; g++) iwpCoefficientsOf(kind, params, coef, g);
    const h = new Float64Array(widths[0] * B);
    const out = new Float64Array(widths[1] * B);
    forwardLayer(n.x, h, B, n.a, n.b, coef, 0, widths[0]);
    forwardLayer(h, out, B, n.a, n.b, coef, widths[0], widths[1]);
    const scores = new Float64Array(classes * B);
    const res = new Float64Array(2);
    const gout = new Float64Array(widths[1] * B);
    classScores(out, widths[1], B, classes, scores);
    softmaxLoss(scores, B, classes, tau, n.labels, res, null, gout, widths[1], 1 / B);
    if (grads) {
      const dcoef = new Float64Array(n.G * 4);
      const gh = new Float64Array(widths[0] * B);
      backwardLayer(h, gout, gh, B, n.a, n.b, coef, dcoef, widths[0], widths[1]);
      backwardLayer(n.x, gh, null, B, n.a, n.b, coef, dcoef, 0, widths[0]);
      const d = new Float64Array(16);
      for (let g = 0; g < n.G; g++) {
        iwpGradient(kind, params, g, dcoef[4 * g], dcoef[4 * g + 1], dcoef[4 * g + 2], dcoef[4 * g + 3], d);
        grads.set(d.subarray(0, 4), 4 * g);
      }
    }
    return res[0] / B;
  }

  it.each(['sin', 'sigmoid'] as const)('ρ = %s: every parameter gradient matches finite differences', (kind) => {
    const n = setup(5);
    const rand = mulberry32(9);
    const params = Float64Array.from({ length: n.G * 4 }, () => 3 * (rand() - 0.5));
    const grads = new Float64Array(n.G * 4);
    iwpLoss(kind, n, params, grads);
    for (let i = 0; i < params.length; i++) {
      expect(grads[i]).toBeCloseTo(numeric((v) => iwpLoss(kind, n, v), params, i), 7);
    }
    expect(Math.max(...grads.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('the output is the multilinear interpolation of ω = ρ(Ω); freezing rounds ω at 0.5', () => {
    const params = Float64Array.from([-0.3, 1.2, 0.4, -2]);
    const coef = new Float64Array(4);
    iwpCoefficientsOf('sin', params, coef, 0);
    const w = Array.from(params, (x) => rho('sin', x));
    for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1], [0.3, 0.8]]) {
      const want = w[0] * (1 - a) * (1 - b) + w[1] * (1 - a) * b + w[2] * a * (1 - b) + w[3] * a * b;
      expect(coef[0] + coef[1] * a + coef[2] * b + coef[3] * a * b).toBeCloseTo(want, 12);
    }
    const op = iwpFrozenOp('sin', params, 0);
    expect([opBit(op, 0, 0), opBit(op, 0, 1), opBit(op, 1, 0), opBit(op, 1, 1)]).toEqual(w.map((x) => (x > 0.5 ? 1 : 0)));
  });
});

describe('Gumbel straight-through (softmax16)', () => {
  const T = 0.7;
  const seed = 3;
  const step = 12;

  it('forward: the hard gate argmax(z + G); q = softmax((z + G)/T); noise reproducible', () => {
    const rand = mulberry32(4);
    const logits = Float64Array.from({ length: 32 }, () => 2 * (rand() - 0.5));
    const coef = new Float64Array(8);
    const q = new Float64Array(32);
    for (const g of [0, 1]) {
      gumbelRefresh(logits, coef, q, g, new Float64Array(16), seed, step, T, new Float64Array(8));
      const noisy = Array.from({ length: 16 }, (_, i) => logits[16 * g + i] + gumbelNoise(seed, step, g, i));
      const op = noisy.indexOf(Math.max(...noisy));
      const want = new Float64Array(8);
      opCoefficients(op, want, g);
      expect(Array.from(coef.subarray(4 * g, 4 * g + 4))).toEqual(Array.from(want.subarray(4 * g, 4 * g + 4)));
      const e = noisy.map((v) => Math.exp(v / T));
      const sum = e.reduce((a, b) => a + b, 0);
      for (let i = 0; i < 16; i++) expect(q[16 * g + i]).toBeCloseTo(e[i] / sum, 12);
    }
    expect(gumbelNoise(seed, step, 5, 7)).toBe(gumbelNoise(seed, step, 5, 7));
    expect(gumbelNoise(seed, step + 1, 5, 7)).not.toBe(gumbelNoise(seed, step, 5, 7));
  });

  it('backward: the gradient of softmax((z + G)/T) through the expected coefficients (finite differences)', () => {
    const rand = mulberry32(8);
    const logits = Float64Array.from({ length: 16 }, () => 3 * (rand() - 0.5));
    const noise = Array.from({ length: 16 }, (_, i) => gumbelNoise(seed, step, 0, i));
    const dc = [0.3, -1.1, 0.7, 0.25];
    // The surrogate the backward pass differentiates: Σ_k dc_k · c_k(softmax((z + G)/T)).
    const surrogate = (z: Float64Array) => {
      const shifted = Float64Array.from(z, (v, i) => (v + noise[i]) / T);
      const coef = new Float64Array(4);
      coefficientsOf(shifted, coef, 0, new Float64Array(16));
      return dc.reduce((s, d, k) => s + d * coef[k], 0);
    };
    const q = new Float64Array(16);
    gumbelRefresh(logits, new Float64Array(4), q, 0, new Float64Array(16), seed, step, T, new Float64Array(4));
    const out = new Float64Array(16);
    gumbelGradient(q, 0, dc[0], dc[1], dc[2], dc[3], T, out);
    for (let i = 0; i < 16; i++) expect(out[i]).toBeCloseTo(numeric(surrogate, logits, i), 7);
  });
});

describe('topk learnable connectivity', () => {
  const K = 3;
  const W = 7;

  /** One gate layer whose inputs mix K candidates each, then the Group-Sum loss. */
  function topkNet(seed: number) {
    const rand = mulberry32(seed);
    const x = Float64Array.from({ length: N * B }, () => rand());
    const candA = Int32Array.from({ length: W * K }, () => Math.floor(rand() * N));
    const candB = Int32Array.from({ length: W * K }, () => Math.floor(rand() * N));
    const clog = Float64Array.from({ length: 2 * W * K }, () => 2 * (rand() - 0.5)); // [a | b]
    const coef = Float64Array.from({ length: W * 4 }, () => rand() - 0.5);
    const labels = Int32Array.from({ length: B }, () => Math.floor(rand() * 7) % 7);
    return { x, candA, candB, clog, coef, labels };
  }
  type TNet = ReturnType<typeof topkNet>;

  function run(n: TNet, x = n.x, clog = n.clog, grads?: { dx: Float64Array; dlog: Float64Array }, invT = 1): number {
    const wA = new Float64Array(W * K);
    const wB = new Float64Array(W * K);
    const la = clog.subarray(0, W * K);
    const lb = clog.subarray(W * K);
    for (let g = 0; g < W; g++) {
      candidateWeights(la, wA, g * K, K, invT);
      candidateWeights(lb, wB, g * K, K, invT);
    }
    const xa = new Float64Array(W * B);
    const xb = new Float64Array(W * B);
    const out = new Float64Array(W * B);
    mixInputs(x, xa, B, n.candA, wA, K, 0, W);
    mixInputs(x, xb, B, n.candB, wB, K, 0, W);
    forwardMixed(xa, xb, out, B, n.coef, 0, W);
    const scores = new Float64Array(7 * B);
    const res = new Float64Array(2);
    const gout = new Float64Array(W * B);
    classScores(out, W, B, 7, scores);
    softmaxLoss(scores, B, 7, tau, n.labels, res, null, gout, W, 1 / B);
    if (grads) {
      const dxa = new Float64Array(W * B);
      const dxb = new Float64Array(W * B);
      backwardMixed(xa, xb, gout, dxa, dxb, B, n.coef, new Float64Array(W * 4), 0, W);
      const dwA = new Float64Array(W * K);
      const dwB = new Float64Array(W * K);
      backwardMix(x, dxa, grads.dx, B, n.candA, wA, K, dwA, 0, W);
      backwardMix(x, dxb, grads.dx, B, n.candB, wB, K, dwB, 0, W);
      const out4 = new Float64Array(K);
      for (let g = 0; g < W; g++) {
        candidateGradient(wA, dwA.subarray(g * K, g * K + K), g * K, K, out4, invT);
        grads.dlog.set(out4, g * K);
        candidateGradient(wB, dwB.subarray(g * K, g * K + K), g * K, K, out4, invT);
        grads.dlog.set(out4, W * K + g * K);
      }
    }
    return res[0] / B;
  }

  it.each([1, 2.5])('candidate logits and inputs at 1/temperature %d: analytic gradients match finite differences', (invT) => {
    const n = topkNet(21);
    const grads = { dx: new Float64Array(N * B), dlog: new Float64Array(2 * W * K) };
    run(n, n.x, n.clog, grads, invT);
    for (let i = 0; i < n.clog.length; i++) expect(grads.dlog[i]).toBeCloseTo(numeric((v) => run(n, n.x, v, undefined, invT), n.clog, i), 7);
    for (let i = 0; i < n.x.length; i++) expect(grads.dx[i]).toBeCloseTo(numeric((v) => run(n, v, n.clog, undefined, invT), n.x, i), 7);
    expect(Math.max(...grads.dlog.map(Math.abs))).toBeGreaterThan(1e-4);
  });

  it('--connect-temp: 1/temperature rises geometrically from 1 to 1/END over the run, then stays', () => {
    expect(connectInvTemp(0.1, 0, 100)).toBe(1);
    expect(connectInvTemp(0.1, 50, 100)).toBeCloseTo(Math.sqrt(10), 12);
    expect(connectInvTemp(0.1, 100, 100)).toBeCloseTo(10, 12);
    expect(connectInvTemp(0.1, 150, 100)).toBeCloseTo(10, 12);
    expect(connectInvTemp(1, 50, 100)).toBe(1);
  });
});

describe('dense learnable connectivity', () => {
  const W = 7;
  const classes7 = 7;

  /** One gate layer whose inputs each mix all N signals (softmax weights), then the Group-Sum loss. */
  function denseNet(seed: number) {
    const rand = mulberry32(seed);
    const x = Float64Array.from({ length: N * B }, () => rand());
    const log = Float64Array.from({ length: 2 * W * N }, () => 2 * (rand() - 0.5)); // [a | b], W rows of N
    const coef = Float64Array.from({ length: W * 4 }, () => rand() - 0.5);
    const labels = Int32Array.from({ length: B }, () => Math.floor(rand() * classes7));
    return { x, log, coef, labels };
  }
  type DNet = ReturnType<typeof denseNet>;

  function run(n: DNet, x = n.x, log = n.log, grads?: { dx: Float64Array; dlog: Float64Array }): number {
    const w = new Float64Array(2 * W * N);
    for (let r = 0; r < 2 * W; r++) candidateWeights(log, w, r * N, N);
    const wa = w.subarray(0, W * N);
    const wb = w.subarray(W * N);
    const xa = new Float64Array(W * B);
    const xb = new Float64Array(W * B);
    const out = new Float64Array(W * B);
    mixDense(x, xa, B, wa, N, W);
    mixDense(x, xb, B, wb, N, W);
    forwardMixed(xa, xb, out, B, n.coef, 0, W);
    const scores = new Float64Array(classes7 * B);
    const res = new Float64Array(2);
    const gout = new Float64Array(W * B);
    classScores(out, W, B, classes7, scores);
    softmaxLoss(scores, B, classes7, tau, n.labels, res, null, gout, W, 1 / B);
    if (grads) {
      const dxa = new Float64Array(W * B);
      const dxb = new Float64Array(W * B);
      backwardMixed(xa, xb, gout, dxa, dxb, B, n.coef, new Float64Array(W * 4), 0, W);
      backwardDenseInput(dxa, grads.dx, B, wa, N, W);
      backwardDenseInput(dxb, grads.dx, B, wb, N, W);
      const dw = new Float64Array(2 * W * N);
      denseWeightGradient(dxa, x, B, N, W, dw.subarray(0, W * N));
      denseWeightGradient(dxb, x, B, N, W, dw.subarray(W * N));
      const row = new Float64Array(N);
      for (let r = 0; r < 2 * W; r++) {
        candidateGradient(w, dw.subarray(r * N, (r + 1) * N), r * N, N, row);
        grads.dlog.set(row, r * N);
      }
    }
    return res[0] / B;
  }

  it('mix logits and inputs: analytic gradients match finite differences', () => {
    const n = denseNet(31);
    const grads = { dx: new Float64Array(N * B), dlog: new Float64Array(2 * W * N) };
    run(n, n.x, n.log, grads);
    for (let i = 0; i < n.log.length; i++) expect(grads.dlog[i]).toBeCloseTo(numeric((v) => run(n, n.x, v), n.log, i), 7);
    for (let i = 0; i < n.x.length; i++) expect(grads.dx[i]).toBeCloseTo(numeric((v) => run(n, v, n.log), n.x, i), 7);
    expect(Math.max(...grads.dlog.map(Math.abs))).toBeGreaterThan(1e-4);
  });

  it('the row update is Adam on exactly that softmax gradient, and leaves softmax weights', () => {
    const rand = mulberry32(5);
    const n = 9;
    const log = Float64Array.from({ length: n }, () => rand() - 0.5);
    const w = new Float64Array(n);
    candidateWeights(log, w, 0, n);
    const g = Float64Array.from({ length: n }, () => rand() - 0.5);
    const want = new Float64Array(n);
    candidateGradient(w, g, 0, n, want);
    const m = new Float64Array(n), v = new Float64Array(n);
    const before = Float64Array.from(log);
    updateDenseRow(log, w, m, v, 0, g, 0, n, { lr: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8, decay: 1, bc1: 0.1, bc2: 0.001 });
    // First Adam step: m/bc1 = gr, √(v/bc2) = |gr|, so every logit moves by lr against its gradient's sign.
    for (let i = 0; i < n; i++) expect(log[i] - before[i]).toBeCloseTo(-0.1 * Math.sign(want[i]), 6);
    const w2 = new Float64Array(n);
    candidateWeights(log, w2, 0, n);
    for (let i = 0; i < n; i++) expect(w[i]).toBeCloseTo(w2[i], 12);
  });

  it('keepBest: the K largest, ties to the lower index, in ascending index order', () => {
    const logits = Float64Array.from([0.5, 2, -1, 2, 0.7, 3]);
    const out = new Int32Array(3);
    keepBest(logits, 0, 6, 3, out, new Int32Array(6));
    expect(Array.from(out)).toEqual([1, 3, 5]);
    keepBest(logits, 1, 5, 2, out, new Int32Array(6)); // offset: logits 2, -1, 2, 0.7, 3
    expect(Array.from(out.subarray(0, 2))).toEqual([0, 4]);
  });
});
