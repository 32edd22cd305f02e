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
  const tmp = new Int32Array(8);
  // Merges the leaf sets (as node lists) into tmp; returns the size, or 99 if over 4.
  const merge = (sets: number[][]): number => {
    let n = 0;
    for (const s of sets) {
      for (const x of s) {
        let dup = false;
        for (let i = 0; i < n; i++) if (tmp[i] === x) { dup = true; break; }
        if (!dup) { if (n === 4) return 99; tmp[n++] = x; }
      }
    }
    return n;
  };
  const leafList = (node: number): number[] => {
    const g = node - first;
    return Array.from(leaves.subarray(4 * g, 4 * g + count[g]));
  };
  const own = (node: number): number[] => (node === 0 ? [] : [node]);
  for (let g = 0; g < G; g++) {
    const u = ir.a[g] >>> 1, v = ir.b[g] >>> 1;
    const ug = u >= first, vg = v >= first;
    const options: number[][][] = [];
    if (ug && vg) options.push([leafList(u), leafList(v)]);
    if (ug) options.push([leafList(u), own(v)]);
    if (vg) options.push([own(u), leafList(v)]);
    options.push([own(u), own(v)]);
    for (const opt of options) {
      const n = merge(opt);
      if (n <= 4) {
        leaves.set(tmp.subarray(0, n), 4 * g);
        count[g] = n;
        break;
      }
    }
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
