// popcount — lowers Group-Sum to gates: per class, a balanced compressor tree of full and half
// adders that counts the class's output bits into a W-bit score (W = ceil(log2(M + 1))).
// Constant outputs are folded in before any adder is built: FALSE bits are dropped and the
// TRUE bits are counted and added as a binary constant; so are pairs x, NOT x (their sum is
// always 1), and a literal that occurs k times enters the columns of k's binary digits. Within each column the adders take
// the three earliest-arriving bits first (Dadda-style), so the tree is as shallow as the
// arrival times allow. Guarantees: scores (and so the class) equal the popcounts exactly.
// Needs `outputs`; leaves `scores` (and `outputs` null).

import { IrBuilder, nodeLevels, REGION_POPCOUNT, scoreWidth, TRUE, FALSE, type Ir, type Lit } from '../ir.js';
import type { Pass, PassStats } from './pass.js';

const XOR = 6, AND = 1, OR = 7;

export interface PopcountStats extends PassStats {
  fullAdders: number;
  halfAdders: number;
}

/** A column of bits of one weight, as a min-heap on (arrival level, insertion order). */
class Column {
  lits: number[] = [];
  keys: number[] = [];
  private seq = 0;
  get size(): number { return this.lits.length; }

  push(lit: Lit, level: number): void {
    // Level in the high part, insertion order in the low part: ties keep FIFO order.
    const key = level * 1048576 * 64 + this.seq++;
    const { lits, keys } = this;
    let i = lits.length;
    lits.push(lit); keys.push(key);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (keys[p] <= key) break;
      lits[i] = lits[p]; keys[i] = keys[p];
      i = p;
    }
    lits[i] = lit; keys[i] = key;
  }

  pop(): Lit {
    const { lits, keys } = this;
    const top = lits[0];
    const lastLit = lits.pop()!, lastKey = keys.pop()!;
    const n = lits.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i, mk = lastKey;
        if (l < n && keys[l] < mk) { m = l; mk = keys[l]; }
        if (r < n && keys[r] < mk) { m = r; mk = keys[r]; }
        if (m === i) break;
        lits[i] = lits[m]; keys[i] = keys[m];
        i = m;
      }
      lits[i] = lastLit; keys[i] = lastKey;
    }
    return top;
  }
}

export const popcount: Pass & { run(ir: Ir): { ir: Ir; stats: PopcountStats } } = {
  name: 'popcount',
  summary: 'Group-Sum as per-class compressor trees of full/half adders (constants folded in)',
  run(ir) {
    if (!ir.outputs) throw new Error('popcount: the IR has no Group-Sum outputs (already lowered?)');
    const K = ir.classes, M = ir.outputsPerClass, W = scoreWidth(M);
    const out = IrBuilder.extending(ir, K * M * 3);
    const levels = Array.from(nodeLevels(ir));
    const first = 1 + ir.inputs;
    const levelOf = (lit: Lit) => levels[lit >>> 1];
    const gate = (op: number, a: Lit, b: Lit): Lit => {
      const lit = out.add(op, a, b, REGION_POPCOUNT);
      levels[first + out.gates - 1] = 1 + Math.max(levelOf(a), levelOf(b));
      return lit;
    };
    let fullAdders = 0, halfAdders = 0;
    const scores = new Int32Array(K * W);
    for (let c = 0; c < K; c++) {
      const cols: Column[] = Array.from({ length: W + 1 }, () => new Column());
      // Fold what needs no adder: constants, x together with NOT x (always exactly one 1),
      // and a literal repeated k times (it is k·x: x goes into the columns of k's 1 bits).
      let ones = 0;
      const times = new Map<Lit, number>();
      for (let j = c * M; j < (c + 1) * M; j++) {
        const lit = ir.outputs[j];
        if (lit === TRUE) ones++;
        else if (lit !== FALSE) times.set(lit, (times.get(lit) ?? 0) + 1);
      }
      for (const [lit, k] of times) {
        const complement = times.get(lit ^ 1);
        if (lit & 1 || !complement) continue;
        const pair = Math.min(k, complement);
        ones += pair;
        times.set(lit, k - pair);
        times.set(lit ^ 1, complement - pair);
      }
      for (const [lit, k] of times) {
        for (let j = 0; k >> j > 0; j++) if ((k >> j) & 1) cols[j].push(lit, levelOf(lit));
      }
      for (let j = 0; j < W; j++) if ((ones >> j) & 1) cols[j].push(TRUE, 0);
      for (let j = 0; j < W; j++) {
        const col = cols[j];
        while (col.size >= 3) {
          // The latest of the three is z: it goes through one XOR only.
          const x = col.pop(), y = col.pop(), z = col.pop();
          const t = gate(XOR, x, y);
          const sum = gate(XOR, t, z);
          col.push(sum, levelOf(sum));
          const carry = gate(OR, gate(AND, x, y), gate(AND, t, z));
          cols[j + 1].push(carry, levelOf(carry));
          fullAdders++;
        }
        if (col.size === 2) {
          const x = col.pop(), y = col.pop();
          const sum = gate(XOR, x, y);
          col.push(sum, levelOf(sum));
          const carry = gate(AND, x, y);
          cols[j + 1].push(carry, levelOf(carry));
          halfAdders++;
        }
        scores[c * W + j] = col.size === 1 ? col.pop() : FALSE;
      }
      // Column W can only hold bits that are always 0 (the count never exceeds M < 2^W).
    }
    const next = out.finish(ir, { outputs: null, scores, classId: ir.classId });
    const added = next.gates - ir.gates;
    return { ir: next, stats: { pass: 'popcount', before: ir.gates, after: next.gates, removed: 0, added, fullAdders, halfAdders } };
  },
};
