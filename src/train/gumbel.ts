// Gumbel straight-through training for softmax16 (after "Mind the Gap", Gumbel logic gate
// networks): every step, each gate draws Gumbel noise G_i over its 16 logits;
//   forward:  the hard one-hot gate, op = argmax_i (z_i + G_i) (its exact 0/1 truth table);
//   backward: as if the gate were the soft mix under q = softmax((z + G) / T), evaluated at
//             the hard forward's activations (straight-through): inputs get the soft gate's
//             derivatives, logits dL/dz_i = q_i (dL/dp_i − Σ_j q_j dL/dp_j) / T.
// Inference and freezing use argmax_i z_i, without noise, so the frozen netlist is the
// trained network's noise-free hard forward. The noise is a hash of (seed, step, gate, op),
// so it is the same whatever the thread count and after a resume.

import { OP_COUNT } from '../netlist/gates.js';
import type { Vec } from './kernels.js';
import { opCoefficients, TT } from './softmax16.js';

export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Gumbel(0, 1) noise for (seed, step, gate g, op i): −log(−log u), u ∈ (0, 1). */
export function gumbelNoise(seed: number, step: number, g: number, i: number): number {
  const h = fmix32(fmix32((seed ^ Math.imul(step, 0x9e3779b1)) >>> 0) ^ Math.imul(g * OP_COUNT + i + 1, 0x27d4eb2f));
  const u = (h + 0.5) / 4294967296;
  return -Math.log(-Math.log(u));
}

/**
 * Gate g for the step `step`: q = softmax((z + G)/T) into aux[16g..], the hard op's
 * coefficients into coef (the forward pass), the coefficients expected under q into bcoef
 * (the backward pass: straight-through, the gradient of the soft gate at the hard forward's
 * activations). `scratch` (16) holds z + G.
 */
export function gumbelRefresh(logits: Vec, coef: Vec, aux: Vec, g: number, scratch: Float64Array, seed: number, step: number, T: number, bcoef: Vec): void {
  const z = 16 * g;
  let max = -Infinity, arg = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const v = logits[z + i] + gumbelNoise(seed, step, g, i);
    scratch[i] = v;
    if (v > max) {
      max = v;
      arg = i;
    }
  }
  let sum = 0;
  for (let i = 0; i < OP_COUNT; i++) sum += scratch[i] = Math.exp((scratch[i] - max) / T);
  let p00 = 0, p01 = 0, p10 = 0, p11 = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const q = (aux[z + i] = scratch[i] / sum);
    p00 += q * TT[4 * i];
    p01 += q * TT[4 * i + 1];
    p10 += q * TT[4 * i + 2];
    p11 += q * TT[4 * i + 3];
  }
  opCoefficients(arg, coef, g);
  bcoef[4 * g] = p00;
  bcoef[4 * g + 1] = p10 - p00;
  bcoef[4 * g + 2] = p01 - p00;
  bcoef[4 * g + 3] = p11 - p10 - p01 + p00;
}

/** Straight-through logit gradients of gate g from its coefficient gradients and q (aux). */
export function gumbelGradient(aux: Vec, g: number, d1: number, da: number, db: number, dab: number, T: number, out: Float64Array): void {
  const e00 = d1 - da - db + dab, e01 = db - dab, e10 = da - dab, e11 = dab;
  const z = 16 * g;
  let dot = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const dp = e00 * TT[4 * i] + e01 * TT[4 * i + 1] + e10 * TT[4 * i + 2] + e11 * TT[4 * i + 3];
    out[i] = dp;
    dot += aux[z + i] * dp;
  }
  for (let i = 0; i < OP_COUNT; i++) out[i] = (aux[z + i] * (out[i] - dot)) / T;
}
