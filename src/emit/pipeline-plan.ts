// pipeline-plan.ts — `--pipeline auto --freq MHz`: how many gate levels fit in one pipeline
// stage at a clock target, from a small iCE40 delay model:
//   stage delay = register overhead + routing out of the stage's start registers (grows with
//                 their fanout) + levels × delay per gate level,
// with the delay per gate level calibrated on this flow (the default MNIST model: 56 gate
// levels in 38.2 ns between two registers, 0.68 ns a level: ABC packs ~2 gate levels into a
// LUT4 + routing hop). The plan takes the most levels per stage whose stage delay fits the
// clock period, so the fewest register banks (and register bits) that the model says meet it.
// It is a model, not a promise: the synth report gives the achieved Fmax next to the request.

import { firstGateNode, supportOf, type Ir } from '../ir/ir.js';

export const DELAY_MODEL = {
  /** Clock-to-out + setup + clock skew, ns. */
  registerNs: 1.3,
  /** Delay per gate level (LUT logic + local routing, ABC packing ~2 levels a LUT), ns. */
  levelNs: 0.68,
  /** Routing out of a register: base + per doubling of its fanout, ns. */
  fanoutBaseNs: 0.6,
  fanoutPerDoublingNs: 0.45,
} as const;

export interface PipelinePlan {
  every: number;
  freqMHz: number;
  /** The model's stage delay for `every` levels and the largest fanout it saw, ns. */
  stageNs: number;
  maxFanout: number;
  /** False when even one level per stage does not fit the period (the model's view). */
  meets: boolean;
}

/** Highest number of gates reading one input or gate (what a stage's start registers drive). */
function maxFanout(ir: Ir): number {
  const first = firstGateNode(ir);
  const reads = new Int32Array(first + ir.gates);
  for (let g = 0; g < ir.gates; g++) {
    const s = supportOf(ir.op[g]);
    if (s & 1) reads[ir.a[g] >>> 1]++;
    if (s & 2) reads[ir.b[g] >>> 1]++;
  }
  let m = 1;
  for (let n = 1; n < reads.length; n++) if (reads[n] > m) m = reads[n];
  return m;
}

export function planPipeline(ir: Ir, freqMHz: number): PipelinePlan {
  const period = 1000 / freqMHz;
  const fan = maxFanout(ir);
  const d = DELAY_MODEL;
  const fixed = d.registerNs + d.fanoutBaseNs + d.fanoutPerDoublingNs * Math.log2(fan);
  const every = Math.max(1, Math.floor((period - fixed) / d.levelNs));
  const stageNs = fixed + every * d.levelNs;
  return { every, freqMHz, stageNs: Math.round(stageNs * 100) / 100, maxFanout: fan, meets: stageNs <= period };
}
