// strash — structural hashing: gates that compute the same function of the same nodes merge
// into one. The hash key is the gate in canonical form: inversions on inputs absorbed into
// the truth table, inputs ordered by node (the truth table permuted to match, so AND(x, y)
// and AND(y, x) meet), and the output polarity chosen so the op is 0 on input 00 (so NAND(x, y)
// is found as the complement of AND(x, y)). Surviving gates are emitted in canonical form.
// Guarantees: every gate's value is unchanged for every input vector.

import { absorbInputInversions, swapInputs } from '../ir.js';
import { sweep, type Pass } from './pass.js';

/** Open-addressing hash table from (op, a, b) to a literal; keys are non-negative ints. */
class GateTable {
  private mask: number;
  private ka: Int32Array;
  private kb: Int32Array;
  private kop: Int8Array;
  private val: Int32Array;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.mask = cap - 1;
    this.ka = new Int32Array(cap);
    this.kb = new Int32Array(cap);
    this.kop = new Int8Array(cap).fill(-1);
    this.val = new Int32Array(cap);
  }

  /** The stored literal for the key, or inserts `value` and returns -1. */
  getOrInsert(op: number, a: number, b: number, value: () => number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(op + 1, 0xc2b2ae35)) >>> 0;
    h = (h ^ (h >>> 15)) & this.mask;
    for (;;) {
      if (this.kop[h] === -1) {
        this.kop[h] = op; this.ka[h] = a; this.kb[h] = b;
        this.val[h] = value();
        return -1;
      }
      if (this.kop[h] === op && this.ka[h] === a && this.kb[h] === b) return this.val[h];
      h = (h + 1) & this.mask;
    }
  }
}

export const strash: Pass = {
  name: 'strash',
  summary: 'identical gates on identical inputs merged (commutative and complemented forms too)',
  run(ir) {
    const table = new GateTable(ir.gates);
    return sweep(ir, 'strash', (_g, a, b, op, out) => {
      let f = absorbInputInversions(op, a & 1, b & 1);
      let na = a & ~1, nb = b & ~1;
      if (na > nb) {
        const t = na; na = nb; nb = t;
        f = swapInputs(f);
      }
      const inv = (f >> 3) & 1;
      if (inv) f ^= 15;
      let created = -1;
      const found = table.getOrInsert(f, na, nb, () => (created = out.add(f, na, nb)));
      return (found === -1 ? created : found) ^ inv;
    });
  },
};
