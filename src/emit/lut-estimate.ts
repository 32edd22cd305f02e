// Estimated iCE40 LUT4 count, without running synthesis (checked against Yosys by `lgnc synth`).
//
// Formula: a greedy cut-based LUT mapping of the gate DAG.
//  1. In topological order, each gate g gets a leaf set L(g) (the inputs of the LUT that
//     would compute g): it starts from g's two input nodes, and absorbs an input gate u
//     (L := L − {u} ∪ L(u)) when at most 2 readers share u (each absorbing reader duplicates
//     u's logic, which pays off only for low fanout) and the result has at most 4 leaves:
//     both inputs if they fit, else the input with the smaller leaf set, else the other.
//  2. A gate needs its own LUT when an output reads it or when it is a leaf of another
//     needed LUT. The estimate is the number of such gates.
// Constants and inputs are free (constant inputs are already folded by the passes). The
// estimate ignores carry chains (gate-level adders map to LUTs, not SB_CARRY) and I/O.
// Measured against Yosys 0.55 synth_ice40 on random nets: within about 10 % (1.0–1.08×).

import { firstGateNode, sinkLits, type Ir } from '../ir/ir.js';

/** Input gates read by more readers than this are not absorbed (not duplicated). */
const MAX_ABSORBED_FANOUT = 2;

export function estimateLut4(ir: Ir): number {
  const first = firstGateNode(ir);
  const G = ir.gates;
  const fanout = new Int32Array(first + G);
  for (let g = 0; g < G; g++) {
    fanout[ir.a[g] >>> 1]++;
    if (ir.b[g] >>> 1 !== ir.a[g] >>> 1) fanout[ir.b[g] >>> 1]++;
  }
  for (const lits of sinkLits(ir)) for (let i = 0; i < lits.length; i++) fanout[lits[i] >>> 1]++;

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
  /** Adds node u's leaf set (absorbing u) or u itself. */
  const addCone = (u: number, absorb: boolean): boolean => {
    if (!absorb) return addLeaf(u);
    const g = u - first;
    for (let i = 0; i < count[g]; i++) if (!addLeaf(leaves[4 * g + i])) return false;
    return true;
  };
  const absorbable = (u: number) => u >= first && fanout[u] <= MAX_ABSORBED_FANOUT;
  for (let g = 0; g < G; g++) {
    const u = ir.a[g] >>> 1, v = ir.b[g] >>> 1;
    const au = absorbable(u), av = absorbable(v);
    // Options, best first: absorb both; the smaller cone alone; the other alone; neither.
    const uFirst = !av || (au && count[u - first] <= count[v - first]);
    const options: [boolean, boolean][] = [
      [au, av],
      uFirst ? [au, false] : [false, av],
      uFirst ? [false, av] : [au, false],
      [false, false],
    ];
    for (const [absorbU, absorbV] of options) {
      n = 0;
      if (addCone(u, absorbU) && addCone(v, absorbV)) break;
    }
    leaves.set(tmp.subarray(0, n), 4 * g);
    count[g] = n;
  }

  const needed = new Uint8Array(G);
  for (const lits of sinkLits(ir)) for (let i = 0; i < lits.length; i++) {
    const node = lits[i] >>> 1;
    if (node >= first) needed[node - first] = 1;
  }
  let luts = 0;
  for (let g = G - 1; g >= 0; g--) {
    if (!needed[g]) continue;
    luts++;
    for (let i = 0; i < count[g]; i++) {
      const node = leaves[4 * g + i];
      if (node >= first) needed[node - first] = 1;
    }
  }
  return luts;
}
