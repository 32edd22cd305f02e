// Candidate re-drawing for `topk:K` (`--redraw R:E`): after each of the first E epochs, every
// gate input drops its R weakest candidates (smallest logits; never its argmax) and draws R
// new random sources from the previous layer that it does not hold yet, so the search over
// wiring is not limited to the K sources drawn at the start. A new candidate starts with the
// logit of the weakest survivor (a fair chance, without disturbing the mix much) and fresh
// Adam moments (first moment 0, second the weakest survivor's, so its first steps are of the
// usual size). The draws are a pure function of (seed, epoch): runs and resumes repeat them.

import { mulberry32 } from '../netlist/vectors.js';

/** One side (a or b) of a layer's candidates, stride K: sources, logits, Adam moments. */
export interface CandidateSide {
  cand: Int32Array;
  clog: Float32Array;
  cm: Float32Array;
  cv: Float32Array;
}

/** The generator of the draws after `epoch` epochs. */
export function redrawRandom(seed: number, epoch: number): () => number {
  return mulberry32((Math.imul(seed ^ 0x2545f491, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b)) >>> 0);
}

/**
 * Re-draws the R weakest candidates of inputs g0..g0+n-1 (sources in 0..P-1), K per input.
 * Returns how many candidates got a new source. An input keeps its slot as it is when the
 * layer below has no source it does not already hold (P ≤ K) or 32 draws all hit held ones.
 */
export function redrawCandidates(s: CandidateSide, K: number, R: number, g0: number, n: number, P: number, rand: () => number): number {
  const r = Math.min(R, K - 1);
  if (r < 1) return 0;
  const idx = new Int32Array(K);
  let replaced = 0;
  for (let g = g0; g < g0 + n; g++) {
    const o = g * K;
    // Candidates by logit, weakest first; among equal logits the higher k first, so the
    // argmax (ties to the lowest k) is always last and never dropped.
    for (let k = 0; k < K; k++) idx[k] = k;
    idx.sort((x, y) => s.clog[o + x] - s.clog[o + y] || y - x);
    const weakest = idx[r];
    const logit = s.clog[o + weakest];
    const v = s.cv[o + weakest];
    for (let i = 0; i < r; i++) {
      const k = o + idx[i];
      let src = -1;
      for (let tries = 0; tries < 32 && src < 0; tries++) {
        const c = Math.floor(rand() * P);
        let held = false;
        for (let q = 0; q < K && !held; q++) held = s.cand[o + q] === c;
        if (!held) src = c;
      }
      if (src < 0) continue;
      s.cand[k] = src;
      s.clog[k] = logit;
      s.cm[k] = 0;
      s.cv[k] = v;
      replaced++;
    }
  }
  return replaced;
}

/** "R:E" → [R, E]; null for an empty text. */
export function parseRedraw(text: string): [number, number] | null {
  const m = /^\s*(\d+):(\d+)\s*$/.exec(text);
  return m ? [Number(m[1]), Number(m[2])] : null;
}
