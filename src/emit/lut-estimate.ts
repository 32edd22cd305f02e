// Estimated iCE40 LUT4 count, without running synthesis (later checked against Yosys).
//
// Formula: a greedy cut-based LUT mapping of the gate DAG.
//  1. In topological order, each gate g gets a leaf set L(g) (the inputs of the LUT that
//     would compute g): start with g's two input nodes; then absorb an input gate u
//     (L := L − {u} ∪ L(u)) whenever the result still has at most 4 leaves — both inputs
//     together if they fit, else the first that fits. Absorbing may duplicate u's logic,
//     as LUT mappers do.
//  2. A gate needs its own LUT when an output reads it or when it is a leaf of another
//     needed LUT. The estimate is the number of such gates.
// Constants and inputs are free (constant inputs are already folded by the passes). The
// estimate ignores carry chains (gate-level adders map to LUTs, not SB_CARRY) and I/O.

import { firstGateNode, sinkLits, type Ir } from '../ir/ir.js';

export function estimateLut4(ir: Ir): number {
  const first = firstGateNode(ir);
  const G = ir.gates;
  const leaves = new Int32Array(4 * G);
  const count = new Uint8Array(G);
  const tmp = new Int32Array(4);
  let n = 0;
  /** Adds node x to tmp unless present; false when that would make 5 leaves. */
  const addLeaf = (x: number): boolean => {
    if (x === 0) return true;
    for (let i = 0; i < n; i++) if (tmp[i] === x) return true;
    if (n === 4) return false;
    tmp[n++] = x;
    return true;
  };
  /** Adds node u's cone leaves (absorb) or u itself. */
  const addCone = (u: number, absorb: boolean): boolean => {
    if (!absorb || u < first) return addLeaf(u);
    const g = u - first;
    for (let i = 0; i < count[g]; i++) if (!addLeaf(leaves[4 * g + i])) return false;
    return true;
  };
  for (let g = 0; g < G; g++) {
    const u = ir.a[g] >>> 1, v = ir.b[g] >>> 1;
    // Options, best first: absorb both inputs, then A's cone, then B's, then neither.
    for (let option = 0; option < 4; option++) {
      n = 0;
      if (addCone(u, option === 0 || option === 1) && addCone(v, option === 0 || option === 2)) break;
    }
    leaves.set(tmp.subarray(0, n), 4 * g);
    count[g] = n;
  }
  const needed = new Uint8Array(G);
  for (const lits of sinkLits(ir)) for (let i = 0; i < lits.length; i++) {
    const n = lits[i] >>> 1;
    if (n >= first) needed[n - first] = 1;
  }
  let luts = 0;
  for (let g = G - 1; g >= 0; g--) {
    if (!needed[g]) continue;
    luts++;
    for (let i = 0; i < count[g]; i++) {
      const n = leaves[4 * g + i];
      if (n >= first) needed[n - first] = 1;
    }
  }
  return luts;
}
