// The `softmax16` parametrization (Petersen et al. 2022): 16 logits per gate, a softmax over
// the 16 ops, and the gate's output the expected output of the ops' relaxations. Since every
// relaxation is a mix of {1, a, b, ab} (gates.ts), so is the expectation: the forward pass
// needs only 4 coefficients per gate, computed here once per batch, and the backward pass
// turns the 4 coefficient gradients back into 16 logit gradients.
//
// Both directions go through the truth-table basis: the expected truth table P_xy = Σ_i p_i·T_i(xy)
// gives the coefficients (c1 = P00, ca = P10 − P00, cb = P01 − P00, cab = P11 − P10 − P01 + P00),
// and a coefficient gradient maps to per-entry gradients e_xy with dL/dp_i = Σ_xy e_xy·T_i(xy).

import { OP_COUNT, truthTable } from '../netlist/gates.js';
import type { Vec } from './kernels.js';

/** T_i(xy) for xy = 00, 01, 10, 11: TT[4 * i + xy]. From the gate table, not a copy of it. */
export const TT = Float64Array.from(Array.from({ length: OP_COUNT }, (_, op) => truthTable(op)).flat());

const LN2_HI = 0.6931471803691238;
const LN2_LO = 1.9082149292705877e-10;
const LOG2E = 1.4426950408889634;
const POW2 = Float64Array.from({ length: 1025 }, (_, i) => 2 ** (i - 1024));

/**
 * e^x for x <= 0 (softmax arguments after subtracting the max), relative error < 1e-14.
 * Plain arithmetic, so the result is the same on every platform and Node version, and it
 * is several times cheaper than Math.exp in the update loop.
 */
export function expNonPositive(x: number): number {
  if (x < -700) return 0;
  const k = Math.round(x * LOG2E);
  const r = x - k * LN2_HI - k * LN2_LO;
  const p = 1 + r * (1 + r * (1 / 2 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720 + r * (1 / 5040 + r * (1 / 40320 + r * (1 / 362880 + r * (1 / 3628800 + r / 39916800))))))))));
  return p * POW2[k + 1024];
}

/** Coefficients [c1, ca, cb, cab] of gates g0..g1-1 from their logits (16 per gate). */
export function coefficients(logits: Vec, coef: Vec, g0: number, g1: number): void {
  const p = new Float64Array(OP_COUNT);
  for (let g = g0; g < g1; g++) coefficientsOf(logits, coef, g, p);
}

/** One gate; `p` (16) receives the softmax. */
export function coefficientsOf(logits: Vec, coef: Vec, g: number, p: Vec): void {
  const z = 16 * g;
  let max = -Infinity;
  for (let i = 0; i < OP_COUNT; i++) if (logits[z + i] > max) max = logits[z + i];
  let sum = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const e = expNonPositive(logits[z + i] - max);
    p[i] = e;
    sum += e;
  }
  let p00 = 0, p01 = 0, p10 = 0, p11 = 0;
  for (let i = 0; i < OP_COUNT; i++) {
    const q = p[i] / sum;
    p[i] = q;
    p00 += q * TT[4 * i];
    p01 += q * TT[4 * i + 1];
    p10 += q * TT[4 * i + 2];
    p11 += q * TT[4 * i + 3];
  }
  coef[4 * g] = p00;
  coef[4 * g + 1] = p10 - p00;
  coef[4 * g + 2] = p01 - p00;
  coef[4 * g + 3] = p11 - p10 - p01 + p00;
}

/**
 * Logit gradients of gate g from its coefficient gradients (d1, da, db, dab), its softmax p
 * (16 values from `p[po]`) and its coefficients: dL/dp_i = Σ_xy e_xy·T_i(xy), then the softmax
 * Jacobian dL/dz_i = p_i (dL/dp_i − Σ_j p_j dL/dp_j), where Σ_j p_j dL/dp_j = Σ_xy e_xy·P_xy
 * is read off the coefficients in O(1). Writes 16 values to out.
 */
export function logitGradient(p: Vec, po: number, coef: Vec, g: number, d1: number, da: number, db: number, dab: number, out: Float64Array): void {
  const e00 = d1 - da - db + dab, e01 = db - dab, e10 = da - dab, e11 = dab;
  const c1 = coef[4 * g], ca = coef[4 * g + 1], cb = coef[4 * g + 2], cab = coef[4 * g + 3];
  const dot = e00 * c1 + e01 * (c1 + cb) + e10 * (c1 + ca) + e11 * (c1 + ca + cb + cab);
  for (let i = 0; i < OP_COUNT; i++) {
    const dp = e00 * TT[4 * i] + e01 * TT[4 * i + 1] + e10 * TT[4 * i + 2] + e11 * TT[4 * i + 3];
    out[i] = p[po + i] * (dp - dot);
  }
}

/** The op a gate freezes to: the argmax of its logits, ties to the lowest op. */
export function frozenOp(logits: Vec, g: number): number {
  const z = 16 * g;
  let best = 0;
  for (let i = 1; i < OP_COUNT; i++) if (logits[z + i] > logits[z + best]) best = i;
  return best;
}

/** The coefficients of op as gate g's: its truth table in the {1, a, b, ab} basis. */
export function opCoefficients(op: number, coef: Vec, g: number): void {
  const t = 4 * op;
  coef[4 * g] = TT[t];
  coef[4 * g + 1] = TT[t + 2] - TT[t];
  coef[4 * g + 2] = TT[t + 1] - TT[t];
  coef[4 * g + 3] = TT[t + 3] - TT[t + 2] - TT[t + 1] + TT[t];
}
