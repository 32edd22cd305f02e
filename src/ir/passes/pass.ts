// What a pass is, and the one traversal most passes share.
//
// A pass takes an IR and returns a new IR that computes the same scores and class for every
// input vector, plus statistics of what it did. `sweep` runs a rewrite rule over the gates in
// topological order, building a fresh IR: the rule sees each gate with its inputs already
// rewritten and returns the literal that now stands for the gate — a new gate, or any
// existing literal (a constant, an input, an earlier gate, possibly inverted).

import { IrBuilder, type Ir, type Lit } from '../ir.js';

export interface PassStats {
  pass: string;
  /** Gates before and after the pass. */
  before: number;
  after: number;
  /** Gates the pass removed and gates it created (after = before − removed + added). */
  removed: number;
  added: number;
}

export interface Pass {
  name: string;
  /** One line: what the pass does. */
  summary: string;
  run(ir: Ir): { ir: Ir; stats: PassStats };
}

/**
 * rule(g, a, b, op, out) → literal for gate g; `a`, `b` are its input literals after the rewrite
 * of earlier gates. To keep the gate, return out.add(op, a, b, region).
 */
export type Rule = (g: number, a: Lit, b: Lit, op: number, out: IrBuilder) => Lit;

export function sweep(ir: Ir, passName: string, rule: Rule): { ir: Ir; stats: PassStats } {
  const first = 1 + ir.inputs;
  const map = new Int32Array(first + ir.gates);
  for (let n = 0; n < first; n++) map[n] = n << 1;
  const out = new IrBuilder(ir.inputs, ir.gates);
  const { a, b, op, region } = ir;
  // Identity so far: every gate kept in place with the same inputs and op.
  let same = true;
  for (let g = 0; g < ir.gates; g++) {
    const la = map[a[g] >>> 1] ^ (a[g] & 1);
    const lb = map[b[g] >>> 1] ^ (b[g] & 1);
    out.regionHint = region[g];
    const lit = rule(g, la, lb, op[g], out);
    map[first + g] = lit;
    if (same && (lit !== (first + g) << 1 || out.a[g] !== a[g] || out.b[g] !== b[g] || out.op[g] !== op[g])) same = false;
  }
  // Nothing changed: hand back the same IR (cheap, and the fixed-point test sees it at once).
  if (same) return { ir, stats: { pass: passName, before: ir.gates, after: ir.gates, removed: 0, added: 0 } };
  const remap = (lits: Int32Array | null) => (lits ? lits.map((l) => map[l >>> 1] ^ (l & 1)) : null);
  const next = out.finish(ir, { outputs: remap(ir.outputs), scores: remap(ir.scores), classId: remap(ir.classId) });
  return { ir: next, stats: { pass: passName, before: ir.gates, after: next.gates, removed: ir.gates - next.gates, added: 0 } };
}
