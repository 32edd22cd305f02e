// The optimizer: the ordered pass list and the fixed-point driver. Nothing else lives here.
//
// 1. The cleanup passes run to a fixed point on the gate network.
// 2. Group-Sum and argmax are lowered to gates (popcount, argmax).
// 3. The cleanup passes run to a fixed point again, now over the whole design, so constant
//    outputs, duplicate adders and constant class-index bits fold away too.
// Without optimization (`--no-opt`) only step 2 runs: the hardware needs the popcount and
// argmax, but the network is emitted gate for gate as trained.

import type { Ir } from '../ir.js';
import { sameIr } from '../ir.js';
import { absorbInverters } from './absorb-inverters.js';
import { argmax } from './argmax.js';
import { constFold } from './const-fold.js';
import { deadGates } from './dead-gates.js';
import type { Pass, PassStats } from './pass.js';
import { popcount, type PopcountStats } from './popcount.js';
import { strash } from './strash.js';

/** The cleanup passes, in the order each round runs them. */
export const CLEANUP_PASSES: Pass[] = [constFold, absorbInverters, strash, deadGates];
/** The lowering passes, in order. */
export const LOWERING_PASSES: Pass[] = [popcount, argmax];
export const ALL_PASSES: Pass[] = [...CLEANUP_PASSES, ...LOWERING_PASSES];

export interface PassRun extends PassStats {
  /** Which step: 'network' (before lowering), 'lower', or 'design' (after). */
  phase: 'network' | 'lower' | 'design';
  round: number;
}

export interface OptimizeResult {
  ir: Ir;
  /** The network after the network phase, before lowering (Group-Sum outputs, no scores). */
  network: Ir;
  runs: PassRun[];
  rounds: { network: number; design: number };
  fullAdders: number;
  halfAdders: number;
}

/**
 * Runs the cleanup passes in order, round after round, until every pass in a row has left
 * the IR unchanged (then each of them has seen the final IR and found nothing to do).
 */
export function toFixedPoint(ir: Ir, phase: 'network' | 'design', runs: PassRun[], maxRounds = 50): { ir: Ir; rounds: number } {
  let unchanged = 0;
  for (let round = 1; round <= maxRounds; round++) {
    for (const pass of CLEANUP_PASSES) {
      const r = pass.run(ir);
      runs.push({ ...r.stats, phase, round });
      unchanged = sameIr(ir, r.ir) ? unchanged + 1 : 0;
      ir = r.ir;
      if (unchanged === CLEANUP_PASSES.length) return { ir, rounds: round };
    }
  }
  return { ir, rounds: maxRounds };
}

/** Netlist IR (with Group-Sum outputs) → lowered IR (scores and class id as gates). */
export function optimize(ir: Ir, opts: { optimize?: boolean } = {}): OptimizeResult {
  const runs: PassRun[] = [];
  const doOpt = opts.optimize !== false;
  let networkRounds = 0, designRounds = 0;
  if (doOpt) ({ ir, rounds: networkRounds } = toFixedPoint(ir, 'network', runs));
  const network = ir;
  const pc = popcount.run(ir);
  runs.push({ ...pc.stats, phase: 'lower', round: 1 });
  const am = argmax.run(pc.ir);
  runs.push({ ...am.stats, phase: 'lower', round: 1 });
  ir = am.ir;
  if (doOpt) ({ ir, rounds: designRounds } = toFixedPoint(ir, 'design', runs));
  const pcs = pc.stats as PopcountStats;
  return { ir, network, runs, rounds: { network: networkRounds, design: designRounds }, fullAdders: pcs.fullAdders, halfAdders: pcs.halfAdders };
}
