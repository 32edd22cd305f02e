// Dense learnable connectivity, `--connect dense` (after LILogicNet and Mommen et al. 2025:
// every connection trained): each gate input mixes *all* P signals of the previous layer,
//   xa[j][s] = Σ_i wa[j][i] · prev[i][s],   wa[j] = softmax(logits of gate j's input a),
// so a layer's forward pass is a matrix product, [W × P] · [P × B], and its backward pass two
// more: the input gradient [P × W] · [W × B] and the weight gradient [W × B] · [B × P]. These
// are the plain loops that define them (the gradient tests check them against finite
// differences); the trainer runs their blocked SIMD twins (wasm.ts). Freezing takes each
// input's argmax signal. A schedule (`--shrink`) keeps only the K best signals of each input
// after a given epoch, which turns the layer into `topk:K` (topk.ts) and makes later epochs
// cheap: `keepBest` picks them.
// Layout: layer l's weights are a W_l × P_l row-major block (row j = gate j's input), one
// block per layer back to back, for input a and for input b.

import type { Vec } from './kernels.js';

/** x[j*B + s] += Σ_i w[j*P + i] · prev[i*B + s] for the n rows of w (forward mix). */
export function mixDense(prev: Vec, x: Vec, B: number, w: Vec, P: number, n: number): void {
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < P; i++) {
      const wi = w[j * P + i];
      const r = i * B;
      for (let s = 0; s < B; s++) x[j * B + s] += wi * prev[r + s];
    }
  }
}

/** gin[i*B + s] += Σ_j w[j*P + i] · dx[j*B + s] (gradient into the previous layer). */
export function backwardDenseInput(dx: Vec, gin: Vec, B: number, w: Vec, P: number, n: number): void {
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < P; i++) {
      const wi = w[j * P + i];
      const r = i * B;
      for (let s = 0; s < B; s++) gin[r + s] += wi * dx[j * B + s];
    }
  }
}

/** dw[j*P + i] += Σ_s dx[j*B + s] · prev[i*B + s] (gradient of the mix weights). */
export function denseWeightGradient(dx: Vec, prev: Vec, B: number, P: number, n: number, dw: Vec): void {
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < P; i++) {
      let acc = 0;
      for (let s = 0; s < B; s++) acc += dx[j * B + s] * prev[i * B + s];
      dw[j * P + i] += acc;
    }
  }
}

/** Adam settings of one step (bias corrections bc1 = 1 − β1^t, bc2 = 1 − β2^t; decay = 1 − lr·weight decay). */
export interface AdamStep {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  decay: number;
  bc1: number;
  bc2: number;
}

/**
 * The update of one dense row (n logits at `o`, its weight gradient at `go` of grad): the
 * softmax's logit gradient w ⊙ (g − ⟨w, g⟩), Adam (with AdamW's decay), then the new
 * softmax weights w = softmax(logits).
 */
export function updateDenseRow(log: Vec, w: Vec, m: Vec, v: Vec, o: number, grad: Vec, go: number, n: number, a: AdamStep): void {
  let dot = 0;
  for (let i = 0; i < n; i++) dot += w[o + i] * grad[go + i];
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const k = o + i;
    const gr = w[k] * (grad[go + i] - dot);
    m[k] = a.b1 * m[k] + (1 - a.b1) * gr;
    v[k] = a.b2 * v[k] + (1 - a.b2) * gr * gr;
    log[k] = log[k] * a.decay - (a.lr * (m[k] / a.bc1)) / (Math.sqrt(v[k] / a.bc2) + a.eps);
    if (log[k] > max) max = log[k];
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += w[o + i] = Math.exp(log[o + i] - max);
  for (let i = 0; i < n; i++) w[o + i] /= sum;
}

/**
 * The K largest of logits[o .. o+n) (ties to the lower index), as indices relative to o in
 * ascending order, written to out[0..K). Ascending order keeps "argmax, ties to the lowest"
 * meaning the same signal before and after shrinking.
 */
export function keepBest(logits: Vec, o: number, n: number, K: number, out: Int32Array, scratch: Int32Array): void {
  for (let i = 0; i < n; i++) scratch[i] = i;
  const order = scratch.subarray(0, n);
  order.sort((x, y) => logits[o + y] - logits[o + x] || x - y);
  const best = order.subarray(0, K).slice().sort();
  out.set(best);
}
