// strash — structural hashing: gates that compute the same function of the same nodes merge
// into one. The hash key is the gate in canonical form: inversions on inputs absorbed into
// the truth table, inputs ordered by node (the truth table permuted to match, so AND(x, y)
// and AND(y, x) meet), and the output polarity chosen so the op is 0 on input 00 (so NAND(x, y)
// is found as the complement of AND(x, y)). Surviving gates are emitted in canonical form.
// Guarantees: every gate's value is unchanged for every input vector.

import { absorbInputInversions, swapInputs } from '../ir.js';
import { sweep, type Pass } from './pass.js';

/**
 * Open-addressing hash table from (op, a, b) to a literal. Each slot is 4 ints side by side
 * (a, b, op or −1 when empty, value), so a probe touches one cache line.
 */
class GateTable {
  private mask: number;
  private slots: Int32Array;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.mask = cap - 1;
    this.slots = new Int32Array(cap * 4);
    for (let i = 2; i < this.slots.length; i += 4) this.slots[i] = -1;
  }

  /** The stored literal for the key, or −1 after reserving a slot (fill it with `set`). */
  find(op: number, a: number, b: number): number {
    let h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b) ^ Math.imul(op + 1, 0xc2b2ae35)) >>> 0;
    h = (h ^ (h >>> 15)) & this.mask;
    const t = this.slots;
    for (;;) {
      const i = h << 2;
      if (t[i + 2] === -1) {
        t[i] = a; t[i + 1] = b; t[i + 2] = op;
        this.last = i;
        return -1;
      }
      if (t[i + 2] === op && t[i] === a && t[i + 1] === b) return t[i + 3];
      h = (h + 1) & this.mask;
    }
  }

  private last = 0;

  /** Stores the value of the slot `find` just reserved. */
  set(value: number): void {
    this.slots[this.last + 3] = value;
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
      let lit = table.find(f, na, nb);
      if (lit === -1) {
        lit = out.add(f, na, nb);
        table.set(lit);
      }
      return lit ^ inv;
    });
  },
};
