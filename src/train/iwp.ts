// The `iwp` parametrization (input-wise, from Light DLGNs): 4 parameters per gate, Ω_xy, one
// per input combination xy ∈ {00, 01, 10, 11}; the gate's soft truth table is ω = ρ(Ω) and its
// output the multilinear interpolation of ω:
//   f(a, b) = ω00 (1−a)(1−b) + ω01 (1−a) b + ω10 a (1−b) + ω11 a b,
// i.e. coefficients c1 = ω00, ca = ω10 − ω00, cb = ω01 − ω00, cab = ω11 − ω10 − ω01 + ω00.
// ρ is 0.5 + 0.5·sin Ω (default) or the logistic sigmoid. Freezing rounds ω at 0.5 (ω > 0.5 → 1)
// into the op's truth table. Gradients: dL/dΩ_xy = e_xy · ρ'(Ω_xy), with e_xy from the
// coefficient gradients (the same basis change softmax16 uses).

import { opFromTable } from '../netlist/gates.js';
import type { Vec } from './kernels.js';

export type Rho = 'sin' | 'sigmoid';

export function rho(kind: Rho, x: number): number {
  return kind === 'sin' ? 0.5 + 0.5 * Math.sin(x) : 1 / (1 + Math.exp(-x));
}

export function rhoPrime(kind: Rho, x: number): number {
  if (kind === 'sin') return 0.5 * Math.cos(x);
  const s = 1 / (1 + Math.exp(-x));
  return s * (1 - s);
}

/** Coefficients of gate g from its 4 parameters (order 00, 01, 10, 11). */
export function iwpCoefficientsOf(kind: Rho, params: Vec, coef: Vec, g: number): void {
  const o = 4 * g;
  const w00 = rho(kind, params[o]), w01 = rho(kind, params[o + 1]), w10 = rho(kind, params[o + 2]), w11 = rho(kind, params[o + 3]);
  coef[o] = w00;
  coef[o + 1] = w10 - w00;
  coef[o + 2] = w01 - w00;
  coef[o + 3] = w11 - w10 - w01 + w00;
}

/** dL/dΩ of gate g (4 values into out) from its coefficient gradients. */
export function iwpGradient(kind: Rho, params: Vec, g: number, d1: number, da: number, db: number, dab: number, out: Float64Array): void {
  const o = 4 * g;
  out[0] = (d1 - da - db + dab) * rhoPrime(kind, params[o]);
  out[1] = (db - dab) * rhoPrime(kind, params[o + 1]);
  out[2] = (da - dab) * rhoPrime(kind, params[o + 2]);
  out[3] = dab * rhoPrime(kind, params[o + 3]);
}

/** The op a gate freezes to: its soft truth table rounded at 0.5 (ρ(Ω) > 0.5 ⟺ Ω > 0 for both ρ near 0). */
export function iwpFrozenOp(kind: Rho, params: Vec, g: number): number {
  const o = 4 * g;
  const bit = (i: number) => (rho(kind, params[o + i]) > 0.5 ? 1 : 0);
  return opFromTable([bit(0), bit(1), bit(2), bit(3)]);
}

/**
 * Residual init for iwp: Ω = ±RESIDUAL_OMEGA toward the pass-through table of input a
 * (truth table 0, 0, 1, 1), so ω ≈ 0.08 / 0.92 and the gradient ρ'(Ω) stays alive.
 */
export function iwpResidual(kind: Rho): number {
  return kind === 'sin' ? 1 : 2.5;
}
