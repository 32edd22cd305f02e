// dead-gates — drops every gate that no output depends on (outputs, scores and class id,
// whichever the IR has). Guarantees: scores and class unchanged for every input vector;
// afterwards every gate reaches an output.

import { sinkLits } from '../ir.js';
import { sweep, type Pass } from './pass.js';

export const deadGates: Pass = {
  name: 'dead-gates',
  summary: 'gates no output depends on are removed',
  run(ir) {
    const first = 1 + ir.inputs;
    const live = new Uint8Array(first + ir.gates);
    for (const lits of sinkLits(ir)) for (let i = 0; i < lits.length; i++) live[lits[i] >>> 1] = 1;
    for (let g = ir.gates - 1; g >= 0; g--) {
      if (live[first + g]) {
        live[ir.a[g] >>> 1] = 1;
        live[ir.b[g] >>> 1] = 1;
      }
    }
    // A dead gate maps to FALSE: only other dead gates read it, and they are dropped too.
    return sweep(ir, 'dead-gates', (g, a, b, op, out) => (live[first + g] ? out.add(op, a, b) : 0));
  },
};
