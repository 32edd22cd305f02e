// const-fold — constant folding and propagation. A gate becomes a literal when its op is
// FALSE/TRUE, when an input is a constant (the op restricted to the other input is then a
// 1-input function: a constant, the input, or its complement), or when both inputs read the
// same node (a == b, possibly with different inversions: again a 1-input function).
// Constants propagate because the sweep hands each rule already-folded inputs.
// Guarantees: every gate's value is unchanged for every input vector.

import { opBit } from '../../netlist/gates.js';
import { FALSE, TRUE, type Lit } from '../ir.js';
import { sweep, type Pass } from './pass.js';

/** The literal for a function f of one literal x given f(0), f(1). */
function oneInput(f0: number, f1: number, x: Lit): Lit {
  if (f0 === f1) return f0 ? TRUE : FALSE;
  return f1 ? x : x ^ 1;
}

export const constFold: Pass = {
  name: 'const-fold',
  summary: 'constant ops, constant inputs and a == b gates become constants or wires',
  run(ir) {
    return sweep(ir, 'const-fold', (_g, a, b, op, out) => {
      if (op === 0) return FALSE;
      if (op === 15) return TRUE;
      const ca = a >>> 1 === 0, cb = b >>> 1 === 0;
      if (ca && cb) return opBit(op, a & 1, b & 1) ? TRUE : FALSE;
      if (ca) return oneInput(opBit(op, a & 1, 0), opBit(op, a & 1, 1), b);
      if (cb) return oneInput(opBit(op, 0, b & 1), opBit(op, 1, b & 1), a);
      if (a >>> 1 === b >>> 1) {
        // A = x ^ ia, B = x ^ ib for the shared node x.
        const ia = a & 1, ib = b & 1;
        return oneInput(opBit(op, ia, ib), opBit(op, 1 ^ ia, 1 ^ ib), a & ~1);
      }
      return out.add(op, a, b);
    });
  },
};
