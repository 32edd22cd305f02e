// The `softmax16` parametrization (Petersen et al. 2022): 16 logits per gate, a softmax over
// the 16 ops, and the gate's output the expected output of the ops' relaxations. Since every
// relaxation is a mix of {1, a, b, ab} (gates.ts), so is the expectation: the forward pass
// needs only 4 coefficients per gate, computed here once per batch, and the backward pass
// turns the 4 coefficient gradients back into 16 logit gradients.

import { OP_COUNT, RELAXATION } from '../netlist/gates.js';
import type { Vec } from './kernels.js';

/** Coefficients [c1, ca, cb, cab] of gates g0..g1-1 from their logits (16 per gate). */
export function coefficients(logits: Vec, coef: Vec, g0: number, g1: number): void {
  const p = new Float64Array(OP_COUNT);
  for (let g = g0; g < g1; g++) coefficientsOf(logits, coef, g, p);
}

/** One gate; `p` is scratch (16) and holds the softmax afterwards. */
export function coefficientsOf(logits: Vec, coef: Vec, g: number, p: Float64Array): void {
  const z = 16 * g;
  let max = -Infinity;
  for (let i = 0; i < OP_COUNT; i++) if (logits[z + i] > max) max = logits[z + i];
  let sum = 0;
  for (let i = 0; i < OP_COUNT; i++) sum += p[i] = Math.exp(logits[z + i] - max);
  let c1 = 0, ca = 0, cb = 0, cab = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const q = (p[i] /= sum);
    c1 += q * RELAXATION[4 * i];
    ca += q * RELAXATION[4 * i + 1];
    cb += q * RELAXATION[4 * i + 2];
    cab += q * RELAXATION[4 * i + 3];
  }
  coef[4 * g] = c1;
  coef[4 * g + 1] = ca;
  coef[4 * g + 2] = cb;
  coef[4 * g + 3] = cab;
}

/**
 * Logit gradients of one gate from its coefficient gradients dc (4), given the softmax p
 * (from coefficientsOf): dL/dp_i = Σ_k dc_k·R[i,k], then the softmax Jacobian
 * dL/dz_i = p_i (dL/dp_i − Σ_j p_j dL/dp_j). Writes 16 values to out[0..15].
 */
export function logitGradient(p: Float64Array, dc1: number, dca: number, dcb: number, dcab: number, out: Float64Array): void {
  let dot = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const dp = dc1 * RELAXATION[4 * i] + dca * RELAXATION[4 * i + 1] + dcb * RELAXATION[4 * i + 2] + dcab * RELAXATION[4 * i + 3];
    out[i] = dp;
    dot += p[i] * dp;
  }
  for (let i = 0; i < OP_COUNT; i++) out[i] = p[i] * (out[i] - dot);
}

/** The op a gate freezes to: the argmax of its logits, ties to the lowest op. */
export function frozenOp(logits: Vec, g: number): number {
  const z = 16 * g;
  let best = 0;
  for (let i = 1; i < OP_COUNT; i++) if (logits[z + i] > logits[z + best]) best = i;
  return best;
}

/** The coefficients of a frozen gate: exactly its op's relaxation (0/1 in, 0/1 out). */
export function hardCoefficients(logits: Vec, coef: Vec, g0: number, g1: number): void {
  for (let g = g0; g < g1; g++) {
    const op = frozenOp(logits, g);
    for (let k = 0; k < 4; k++) coef[4 * g + k] = RELAXATION[4 * op + k];
  }
}
