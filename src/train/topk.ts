// Learnable connectivity, `--connect topk:K` (after LILogicNet): each gate input (a and b)
// has K candidate sources in the previous layer, drawn at random, and K logits; during
// training the input is the softmax-weighted mix of the candidates,
//   xa[s] = Σ_k wa_k · prev[candA_k][s],  wa = softmax(logits of a's candidates),
// and the logits learn by gradient descent next to the gate's own parameters. Freezing (and
// the trainer's discrete forward) takes the argmax candidate (ties to the lowest k).
// Layout: candidate k of gate g's input a is candA[g*K + k]; same for b, logits and weights.
// Like kernels.ts, these loops allocate nothing, and the trainer runs their SIMD twins
// (wasm.ts); these define them.

import type { Vec } from './kernels.js';

/** Mixed input rows of gates g0..g0+n-1: x[j*B + s] = Σ_k w[g*K+k] · prev[cand[g*K+k]*B + s]. */
export function mixInputs(prev: Vec, x: Vec, B: number, cand: Int32Array, w: Vec, K: number, g0: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const g = g0 + j;
    const ro = j * B;
    const r0 = cand[g * K] * B;
    const w0 = w[g * K];
    for (let s = 0; s < B; s++) x[ro + s] = w0 * prev[r0 + s];
    for (let k = 1; k < K; k++) {
      const r = cand[g * K + k] * B;
      const wk = w[g * K + k];
      for (let s = 0; s < B; s++) x[ro + s] += wk * prev[r + s];
    }
  }
}

/** Gates on explicit input rows: out[j] = c1 + ca·xa[j] + cb·xb[j] + cab·xa[j]·xb[j]. */
export function forwardMixed(xa: Vec, xb: Vec, out: Vec, B: number, coef: Vec, g0: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const g = g0 + j;
    const c1 = coef[4 * g], ca = coef[4 * g + 1], cb = coef[4 * g + 2], cab = coef[4 * g + 3];
    const r = j * B;
    for (let s = 0; s < B; s++) {
      const a = xa[r + s], b = xb[r + s];
      out[r + s] = c1 + ca * a + cb * b + cab * a * b;
    }
  }
}

/** Backward through gates on explicit rows: adds to dcoef, writes d/dxa and d/dxb. */
export function backwardMixed(xa: Vec, xb: Vec, gout: Vec, dxa: Vec, dxb: Vec, B: number, coef: Vec, dcoef: Vec, g0: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const g = g0 + j;
    const ca = coef[4 * g + 1], cb = coef[4 * g + 2], cab = coef[4 * g + 3];
    const r = j * B;
    let d1 = 0, da = 0, db = 0, dab = 0;
    for (let s = 0; s < B; s++) {
      const go = gout[r + s], a = xa[r + s], b = xb[r + s];
      d1 += go;
      da += go * a;
      db += go * b;
      dab += go * a * b;
      dxa[r + s] = go * (ca + cab * b);
      dxb[r + s] = go * (cb + cab * a);
    }
    dcoef[4 * g] += d1;
    dcoef[4 * g + 1] += da;
    dcoef[4 * g + 2] += db;
    dcoef[4 * g + 3] += dab;
  }
}

/**
 * Backward through the mix: gin[cand_k] += w_k · dx (when gin is given), and the gradient of
 * each candidate weight, dw[g*K+k] += Σ_s dx[s] · prev[cand_k][s].
 */
export function backwardMix(prev: Vec, dx: Vec, gin: Vec | null, B: number, cand: Int32Array, w: Vec, K: number, dw: Vec, g0: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const g = g0 + j;
    const ro = j * B;
    for (let k = 0; k < K; k++) {
      const r = cand[g * K + k] * B;
      const wk = w[g * K + k];
      let acc = 0;
      if (gin) {
        for (let s = 0; s < B; s++) {
          const d = dx[ro + s];
          acc += d * prev[r + s];
          gin[r + s] += wk * d;
        }
      } else {
        for (let s = 0; s < B; s++) acc += dx[ro + s] * prev[r + s];
      }
      dw[g * K + k] += acc;
    }
  }
}

/**
 * Softmax of one candidate set's logits into w (K values at o), at temperature 1 / invT
 * (`--connect-temp`: invT grows over the run, so each input's mix hardens toward its argmax).
 */
export function candidateWeights(logits: Vec, w: Vec, o: number, K: number, invT = 1): void {
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (logits[o + k] > max) max = logits[o + k];
  let sum = 0;
  for (let k = 0; k < K; k++) sum += w[o + k] = Math.exp((logits[o + k] - max) * invT);
  for (let k = 0; k < K; k++) w[o + k] /= sum;
}

/**
 * The mix weights a gate input's forward uses: the softmax of its candidates' logits, or,
 * hardened (`--harden`, harden.ts), the one-hot of its argmax candidate — what freezing keeps.
 */
export function mixWeights(logits: Vec, w: Vec, o: number, K: number, invT: number, hard: boolean): void {
  if (!hard) return candidateWeights(logits, w, o, K, invT);
  for (let k = 0; k < K; k++) w[o + k] = 0;
  w[o + argmaxCandidate(logits, o, K)] = 1;
}

/** Logit gradients of one candidate set (into out[0..K)) from the weight gradients dw, at temperature 1 / invT. */
export function candidateGradient(w: Vec, dw: ArrayLike<number>, o: number, K: number, out: Float64Array, invT = 1): void {
  let dot = 0;
  for (let k = 0; k < K; k++) dot += w[o + k] * dw[k];
  for (let k = 0; k < K; k++) out[k] = invT * w[o + k] * (dw[k] - dot);
}

/**
 * `--connect-temp END`: the candidate softmax's 1/temperature after `step` of `total` steps,
 * the temperature falling geometrically from 1 to END (1 = off).
 */
export function connectInvTemp(end: number, step: number, total: number): number {
  return end === 1 || total <= 0 ? 1 : end ** -Math.min(1, step / total);
}

/** The candidate a frozen input takes: the argmax logit, ties to the lowest k. */
export function argmaxCandidate(logits: Vec, o: number, K: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (logits[o + k] > logits[o + best]) best = k;
  return best;
}
