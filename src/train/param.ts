// The gate parametrizations behind one interface, so the engine, init, freezing and
// checkpoints do not care which is used:
//   softmax16  16 logits per gate, softmax over the ops (softmax16.ts)
//   iwp        4 truth-table parameters per gate, ω = ρ(Ω) (iwp.ts)

import { OP_COUNT } from '../netlist/gates.js';
import { mulberry32 } from '../netlist/vectors.js';
import { iwpCoefficientsOf, iwpFrozenOp, iwpGradient, iwpResidual, type Rho } from './iwp.js';
import type { Vec } from './kernels.js';
import { coefficientsOf, frozenOp, logitGradient } from './softmax16.js';
import { gumbelGradient, gumbelRefresh } from './gumbel.js';

export type ParamKind = 'softmax16' | 'iwp';
export type Init = 'gaussian' | 'residual';

export interface Param {
  kind: ParamKind;
  /** Parameters per gate. */
  k: number;
  /**
   * Coefficients (and, for softmax16, the softmax into aux) of gate g for optimizer step
   * `step` (steps done so far; only Gumbel noise depends on it). scratch: 16 doubles.
   */
  refresh(params: Vec, coef: Vec, aux: Vec, g: number, scratch: Float64Array, step: number, bcoef: Vec): void;
  /** Parameter gradients of gate g (k values into out) from its coefficient gradients. */
  gradient(params: Vec, aux: Vec, coef: Vec, g: number, d1: number, da: number, db: number, dab: number, out: Float64Array): void;
  frozenOp(params: Vec, g: number): number;
}

/** gumbelT > 0: Gumbel straight-through training at that temperature (softmax16 only). */
export function paramOf(kind: ParamKind, rhoKind: Rho = 'sin', gumbelT = 0, seed = 0): Param {
  if (kind === 'iwp') {
    return {
      kind, k: 4,
      refresh: (params, coef, _aux, g) => iwpCoefficientsOf(rhoKind, params, coef, g),
      gradient: (params, _aux, _coef, g, d1, da, db, dab, out) => iwpGradient(rhoKind, params, g, d1, da, db, dab, out),
      frozenOp: (params, g) => iwpFrozenOp(rhoKind, params, g),
    };
  }
  if (gumbelT > 0) {
    return {
      kind, k: OP_COUNT,
      refresh: (params, coef, aux, g, scratch, step, bcoef) => gumbelRefresh(params, coef, aux, g, scratch, seed, step, gumbelT, bcoef),
      gradient: (_params, aux, _coef, g, d1, da, db, dab, out) => gumbelGradient(aux, g, d1, da, db, dab, gumbelT, out),
      frozenOp,
    };
  }
  return {
    kind, k: OP_COUNT,
    refresh(params, coef, aux, g, scratch) {
      coefficientsOf(params, coef, g, scratch);
      const o = 16 * g;
      for (let i = 0; i < 16; i++) aux[o + i] = scratch[i];
    },
    gradient: (_params, aux, coef, g, d1, da, db, dab, out) => logitGradient(aux, 16 * g, coef, g, d1, da, db, dab, out),
    frozenOp,
  };
}

export const RESIDUAL_LOGIT = 5;
const OP_A = 3;
const PASS_A_TABLE = [0, 0, 1, 1];

/**
 * Initial parameters.
 *   gaussian  every parameter ~ N(0, 1) (difflogic's default)
 *   residual  the gate starts as a pass-through of input a (op A): softmax16 puts logit 5 on
 *             op A and 0 elsewhere (Petersen et al. 2024); iwp sets Ω = ±c toward A's truth
 *             table 0011 (c = 1 for sin, 2.5 for sigmoid: ω ≈ 0.08 / 0.92).
 */
export function initParams(kind: ParamKind, init: Init, params: Float32Array, seed: number, rhoKind: Rho = 'sin'): void {
  if (init === 'residual') {
    if (kind === 'softmax16') {
      params.fill(0);
      for (let g = 0; g < params.length / 16; g++) params[16 * g + OP_A] = RESIDUAL_LOGIT;
    } else {
      const c = iwpResidual(rhoKind);
      for (let i = 0; i < params.length; i++) params[i] = PASS_A_TABLE[i & 3] ? c : -c;
    }
    return;
  }
  const rand = mulberry32(seed);
  for (let i = 0; i < params.length; i += 2) {
    // Box–Muller: two normals from two uniforms.
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    params[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < params.length) params[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
}
