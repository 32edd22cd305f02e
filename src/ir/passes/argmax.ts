// argmax — lowers the prediction to gates: a balanced tournament of comparators over the
// class scores. Each match compares the right (higher-index) contender with the left one and
// takes the right only when its score is strictly greater, so equal scores keep the lower
// class index: the tie rule of the reference evaluator. Comparators are log-depth trees
// (greater/equal pairs merged from the most significant half down), winners are picked by
// 2-input muxes, and class indices start as constants (folded by the later passes).
// Guarantees: classId = argmax of the scores, ties to the lowest class. Needs `scores`.

import { classWidth, IrBuilder, REGION_ARGMAX, scoreWidth, TRUE, FALSE, type Lit } from '../ir.js';
import type { Pass, PassStats } from './pass.js';

const AND = 1, A_AND_NOT_B = 2, NOT_A_AND_B = 4, OR = 7, XNOR = 9;

interface Contender {
  score: Lit[];
  index: Lit[];
}

export const argmax: Pass = {
  name: 'argmax',
  summary: 'argmax as a comparator tournament, ties to the lowest class index',
  run(ir) {
    if (!ir.scores) throw new Error('argmax: the IR has no scores (run popcount first)');
    const K = ir.classes, W = scoreWidth(ir.outputsPerClass), CW = classWidth(K);
    const out = IrBuilder.extending(ir, K * (W + CW) * 8);
    const gate = (op: number, a: Lit, b: Lit) => out.add(op, a, b, REGION_ARGMAX);

    /** [r > l, r == l] over score bits lo..hi-1 (eq only when asked). */
    const compare = (r: Lit[], l: Lit[], lo: number, hi: number, needEq: boolean): [Lit, Lit] => {
      if (hi - lo === 1) return [gate(A_AND_NOT_B, r[lo], l[lo]), needEq ? gate(XNOR, r[lo], l[lo]) : FALSE];
      const mid = (lo + hi) >> 1;
      const [gtHi, eqHi] = compare(r, l, mid, hi, true);
      const [gtLo, eqLo] = compare(r, l, lo, mid, needEq);
      const gt = gate(OR, gtHi, gate(AND, eqHi, gtLo));
      return [gt, needEq ? gate(AND, eqHi, eqLo) : FALSE];
    };
    const mux = (sel: Lit, r: Lit, l: Lit) => gate(OR, gate(AND, sel, r), gate(NOT_A_AND_B, sel, l));

    let round: Contender[] = [];
    for (let c = 0; c < K; c++) {
      round.push({
        score: Array.from(ir.scores.subarray(c * W, (c + 1) * W)),
        index: Array.from({ length: CW }, (_, j) => ((c >> j) & 1 ? TRUE : FALSE)),
      });
    }
    while (round.length > 1) {
      const next: Contender[] = [];
      const last = round.length === 2;
      for (let i = 0; i + 1 < round.length; i += 2) {
        const L = round[i], R = round[i + 1];
        const [rightWins] = compare(R.score, L.score, 0, W, false);
        next.push({
          // The final match's score is not needed: only its index is an output.
          score: last ? [] : R.score.map((r, j) => mux(rightWins, r, L.score[j])),
          index: R.index.map((r, j) => mux(rightWins, r, L.index[j])),
        });
      }
      if (round.length % 2 === 1) next.push(round[round.length - 1]);
      round = next;
    }
    const classId = Int32Array.from(round[0].index);
    const next = out.finish(ir, { outputs: ir.outputs, scores: ir.scores, classId });
    const stats: PassStats = { pass: 'argmax', before: ir.gates, after: next.gates, removed: 0, added: next.gates - ir.gates };
    return { ir: next, stats };
  },
};
