// absorb-inverters — pass-through and inverter absorption. Inverted inputs are pushed into
// the gate's truth table (the gate then reads plain nodes); gates that ignore an input (A, B,
// NOT A, NOT B, and constants) become wires or inverted wires; and a gate whose output is 1
// on input 00 (NOR, XNOR, NAND, the implications, NOT…) is stored as its complement with an
// inverted output edge, which its consumers absorb in turn. So double inversions cancel, no
// inverter survives as a gate, and only final outputs may carry an inversion.
// Guarantees: every gate's value is unchanged for every input vector.

import { FALSE, TRUE, absorbInputInversions, supportOf } from '../ir.js';
import { sweep, type Pass } from './pass.js';

export const absorbInverters: Pass = {
  name: 'absorb-inverters',
  summary: 'inverted inputs pushed into truth tables; A/B/NOT gates become (inverted) wires',
  run(ir) {
    return sweep(ir, 'absorb-inverters', (_g, a, b, op, out) => {
      let f = absorbInputInversions(op, a & 1, b & 1);
      const na = a & ~1, nb = b & ~1;
      const support = supportOf(f);
      if (support === 0) return f & 8 ? TRUE : FALSE;
      // Reads only A: f = A (table 0011) or NOT A (1100); bit 3 is the output for 00.
      if (support === 1) return f & 8 ? na ^ 1 : na;
      if (support === 2) return f & 8 ? nb ^ 1 : nb;
      const inv = (f >> 3) & 1;
      if (inv) f ^= 15;
      return out.add(f, na, nb) ^ inv;
    });
  },
};
