// pipeline-plan.ts — `--pipeline auto --freq MHz`: how many gate levels each pipeline stage
// takes at a clock target, from a small iCE40 delay model:
//   stage delay = register overhead + routing out of the stage's start registers (grows with
//                 their fanout) + levels × delay per gate level.
// A stage's fanout is the largest number of gates reading one register of the bank it starts
// at (for the first stage: one input bit), so where the banks go matters: the plan picks the
// cuts (a shortest path over the gate levels) that give the fewest stages whose model delay
// fits the clock period, then the fewest register bits. The input stage, whose registers fan
// out widest, comes out shorter than the later ones.
// Delay per gate level, calibrated on this flow (HX8K, nextpnr router1, the default MNIST
// model): its --pipeline auto --freq 100 stream build with 9 levels a stage reached 95.4 MHz,
// the critical path 10.49 ns in the input stage, from an input register read by 15 gates
// (and 3 automaton cells) → 0.75 ns a level (ABC packs ~2 gate levels into a LUT4 + routing
// hop). It is a model, not a promise: the synth
// report gives the achieved Fmax next to the request.

import { firstGateNode, nodeLevels, supportOf, type Ir } from '../ir/ir.js';

export const DELAY_MODEL = {
  /** Clock-to-out + setup + clock skew, ns. */
  registerNs: 1.3,
  /** Delay per gate level (LUT logic + routing, ABC packing ~2 levels a LUT), ns. */
  levelNs: 0.75,
  /** Routing out of a register: base + per doubling of its fanout, ns. */
  fanoutBaseNs: 0.6,
  fanoutPerDoublingNs: 0.45,
} as const;

export interface PipelinePlan {
  /** The most gate levels of any stage. */
  every: number;
  freqMHz: number;
  /** The model's largest stage delay and the largest start-register fanout it saw, ns. */
  stageNs: number;
  maxFanout: number;
  /** False when even one level per stage does not fit the period (the model's view). */
  meets: boolean;
  /** Gate levels of each stage, in order (they add up to at least the design's depth). */
  stages: number[];
}

export function planPipeline(ir: Ir, freqMHz: number): PipelinePlan {
  const period = 1000 / freqMHz;
  const d = DELAY_MODEL;
  const first = firstGateNode(ir);
  const levels = nodeLevels(ir);
  const nodes = first + ir.gates;
  // readers[n]: gates reading node n; lastRead[n]: the highest level that reads it.
  const readers = new Int32Array(nodes);
  const lastRead = new Int32Array(nodes).fill(-1);
  let depth = 0;
  for (let g = 0; g < ir.gates; g++) {
    const l = levels[first + g];
    depth = Math.max(depth, l);
    const s = supportOf(ir.op[g]);
    for (const lit of [s & 1 ? ir.a[g] : 0, s & 2 ? ir.b[g] : 0]) {
      const u = lit >>> 1;
      if (u === 0) continue;
      readers[u]++;
      lastRead[u] = Math.max(lastRead[u], l);
    }
  }
  for (const lit of [...(ir.scores ?? []), ...(ir.classId ?? [])]) if (lit >>> 1 !== 0) lastRead[lit >>> 1] = depth + 1;
  // Per cut after level c: the widest fanout of a register in that bank, and its register bits.
  const fanout = new Int32Array(depth + 1).fill(1), bits = new Int32Array(depth + 1);
  for (let n = 1; n < nodes; n++) {
    for (let c = n < first ? 0 : levels[n]; c < Math.min(lastRead[n], depth + 1); c++) {
      bits[c]++;
      if (readers[n] > fanout[c]) fanout[c] = readers[n];
    }
  }
  const fixedNs = (c: number) => d.registerNs + d.fanoutBaseNs + d.fanoutPerDoublingNs * Math.log2(fanout[c]);
  const fits = (c: number) => Math.max(1, Math.floor((period - fixedNs(c)) / d.levelNs));
  // Fewest stages first, then fewest register bits: best[c] reaches a bank after level c.
  const best: { stages: number; bits: number; from: number }[] = Array.from({ length: depth + 1 }, () => ({ stages: Infinity, bits: Infinity, from: -1 }));
  best[0] = { stages: 0, bits: 0, from: -1 };
  for (let c = 0; c < depth; c++) {
    if (best[c].stages === Infinity) continue;
    for (let k = 1; k <= fits(c); k++) {
      const e = Math.min(depth, c + k);
      const cand = { stages: best[c].stages + 1, bits: best[c].bits + (e < depth ? bits[e] : 0), from: c };
      if (cand.stages < best[e].stages || (cand.stages === best[e].stages && cand.bits < best[e].bits)) best[e] = cand;
      if (e === depth) break;
    }
  }
  const cuts: number[] = [];
  for (let c = depth; c > 0; c = best[c].from) cuts.unshift(c);
  const stages: number[] = [];
  let stageNs = 0, maxFanout = 1, meets = true, start = 0;
  for (const c of cuts) {
    const n = c - start, ns = fixedNs(start) + n * d.levelNs;
    if (ns > period) meets = false;
    stageNs = Math.max(stageNs, ns);
    maxFanout = Math.max(maxFanout, fanout[start]);
    stages.push(n);
    start = c;
  }
  if (stages.length === 0) stages.push(1);
  return { every: Math.max(...stages), freqMHz, stageNs: Math.round(stageNs * 100) / 100, maxFanout, meets, stages };
}
