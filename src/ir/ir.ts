// The gate IR: a flat DAG in topological order, stored in typed arrays.
//
// Nodes: node 0 is the constant FALSE, nodes 1..inputs are the network inputs (input i is
// node 1 + i), and gate g is node `1 + inputs + g`. Every gate reads nodes of lower index, so
// array order is a topological order. Edges are *literals*: lit = 2·node + inv, where inv = 1
// means the edge carries the complement. So lit 0 is FALSE, lit 1 is TRUE, and an inverter
// is never a gate: it is a bit on an edge (passes push it into the consumer's truth table).
//
// Gates are 2-input with a 4-bit truth table, the op of the gate table (netlist/gates.ts):
// output for (A, B) is bit 3 − (2A + B) of op, where A, B are the *literal* values.
//
// The post-network stage has three forms, lowered in order by passes:
//   outputs  — K·M literals, Group-Sum blocks: class c's outputs at [c·M, (c+1)·M);
//   scores   — K·W literals, class c's score bit j (LSB first) at c·W + j (popcount lowered);
//   classId  — CW literals, the argmax (ties to the lowest class), LSB first.
// `outputs` is null once scores exist; `classId` may be null (the evaluator then takes the
// argmax of the scores itself). Every form computes the same scores and class.

import type { LayerOrigin } from '../netlist/flatten.js';
import { opBit, opFromTable, opSupport, truthTable } from '../netlist/gates.js';

export type Lit = number;
export const FALSE: Lit = 0;
export const TRUE: Lit = 1;

/** What part of the design a gate belongs to (for readable output and statistics). */
export const REGION_NETWORK = 0;
export const REGION_POPCOUNT = 1;
export const REGION_ARGMAX = 2;
export const REGION_NAMES = ['network', 'popcount', 'argmax'] as const;

export interface Ir {
  name: string;
  inputs: number;
  classes: number;
  outputsPerClass: number;
  gates: number;
  /** Literal of input A, input B, the op and the region of each gate (length ≥ gates). */
  a: Int32Array;
  b: Int32Array;
  op: Uint8Array;
  region: Uint8Array;
  outputs: Int32Array | null;
  scores: Int32Array | null;
  classId: Int32Array | null;
  /**
   * Where the gates came from, on the IR `irFromNetlist` builds from a v2 netlist: per source
   * layer its kind, output shape, conv parameters and its range of gates (gate g is node
   * 1 + inputs + g; order within a range as netlist/flatten.ts documents). Passes rewrite and
   * merge gates and do not carry it; a streaming step reads it from the unoptimized IR.
   */
  origin?: LayerOrigin[];
}

export const litNode = (lit: Lit): number => lit >>> 1;
export const litInv = (lit: Lit): number => lit & 1;
export const nodeLit = (node: number, inv = 0): Lit => (node << 1) | inv;
export const inputLit = (i: number): Lit => (1 + i) << 1;
export const firstGateNode = (ir: { inputs: number }): number => 1 + ir.inputs;
export const nodeCount = (ir: Ir): number => 1 + ir.inputs + ir.gates;

/** W = ceil(log2(M + 1)): bits of a score that counts up to M outputs. */
export function scoreWidth(outputsPerClass: number): number {
  let w = 0;
  while (2 ** w <= outputsPerClass) w++;
  return Math.max(1, w);
}

/** CW = max(1, ceil(log2 K)): bits of a class index. */
export function classWidth(classes: number): number {
  let w = 0;
  while (2 ** w < classes) w++;
  return Math.max(1, w);
}

/** The literals every output of the design depends on (whatever form the stage is in). */
export function sinkLits(ir: Ir): Int32Array[] {
  const s: Int32Array[] = [];
  if (ir.outputs) s.push(ir.outputs);
  if (ir.scores) s.push(ir.scores);
  if (ir.classId) s.push(ir.classId);
  return s;
}

// Truth-table rewrites as lookup tables, computed once from the gate table: the passes run
// them once per gate, millions of times on big networks.
const ABSORB = new Uint8Array(64);
const SWAP = new Uint8Array(16);
const SUPPORT = new Uint8Array(16);
for (let op = 0; op < 16; op++) {
  for (let inv = 0; inv < 4; inv++) {
    const t: number[] = [];
    for (let A = 0; A < 2; A++) for (let B = 0; B < 2; B++) t.push(opBit(op, A ^ (inv >> 1), B ^ (inv & 1)));
    ABSORB[op * 4 + inv] = opFromTable(t);
  }
  const [t00, t01, t10, t11] = truthTable(op);
  SWAP[op] = opFromTable([t00, t10, t01, t11]);
  SUPPORT[op] = opSupport(op);
}

/** op'(A, B) = op(A ^ ia, B ^ ib): absorbs input inversions into the truth table. */
export function absorbInputInversions(op: number, ia: number, ib: number): number {
  return ABSORB[op * 4 + ia * 2 + ib];
}

/** op'(A, B) = op(B, A). */
export function swapInputs(op: number): number {
  return SWAP[op];
}

/** Which inputs op reads: bit 0 = A, bit 1 = B (gate table's opSupport, tabulated). */
export function supportOf(op: number): number {
  return SUPPORT[op];
}

/**
 * A growable gate list with the same literal conventions; passes build a new IR with it.
 * `add` appends a gate and returns its (non-inverted) literal.
 */
export class IrBuilder {
  gates = 0;
  a: Int32Array;
  b: Int32Array;
  op: Uint8Array;
  region: Uint8Array;
  /** Region for gates added without one (sweep sets it to the region of the gate it rewrites). */
  regionHint = REGION_NETWORK;

  constructor(readonly inputs: number, capacity = 1024) {
    const n = Math.max(16, capacity);
    this.a = new Int32Array(n);
    this.b = new Int32Array(n);
    this.op = new Uint8Array(n);
    this.region = new Uint8Array(n);
  }

  add(op: number, a: Lit, b: Lit, region = this.regionHint): Lit {
    if (this.gates === this.a.length) this.grow();
    const g = this.gates++;
    this.a[g] = a;
    this.b[g] = b;
    this.op[g] = op;
    this.region[g] = region;
    return (1 + this.inputs + g) << 1;
  }

  /** A builder that starts with all of ir's gates (to append new ones after them). */
  static extending(ir: Ir, extra = 0): IrBuilder {
    const b = new IrBuilder(ir.inputs, ir.gates + extra);
    b.a.set(ir.a.subarray(0, ir.gates));
    b.b.set(ir.b.subarray(0, ir.gates));
    b.op.set(ir.op.subarray(0, ir.gates));
    b.region.set(ir.region.subarray(0, ir.gates));
    b.gates = ir.gates;
    return b;
  }

  private grow(): void {
    const n = this.a.length * 2;
    const a = new Int32Array(n); a.set(this.a); this.a = a;
    const b = new Int32Array(n); b.set(this.b); this.b = b;
    const op = new Uint8Array(n); op.set(this.op); this.op = op;
    const r = new Uint8Array(n); r.set(this.region); this.region = r;
  }

  /** The finished IR, with the stage literals given (arrays trimmed to the gate count). */
  finish(base: Pick<Ir, 'name' | 'inputs' | 'classes' | 'outputsPerClass'>, sinks: Pick<Ir, 'outputs' | 'scores' | 'classId'>): Ir {
    const n = this.gates;
    // Views, not copies, when the arrays are nearly full (they are for passes' rewrites).
    const trim = <T extends Int32Array | Uint8Array>(arr: T): T => (n >= arr.length * 0.75 ? arr.subarray(0, n) : arr.slice(0, n)) as T;
    return {
      name: base.name,
      inputs: base.inputs,
      classes: base.classes,
      outputsPerClass: base.outputsPerClass,
      gates: n,
      a: trim(this.a),
      b: trim(this.b),
      op: trim(this.op),
      region: trim(this.region),
      outputs: sinks.outputs,
      scores: sinks.scores,
      classId: sinks.classId,
    };
  }
}

/**
 * Logic level of every node: 0 for constants and inputs, 1 + max over a gate's inputs.
 * A gate whose op ignores an input still counts that input (the emitted wire reads it).
 */
export function nodeLevels(ir: Ir): Int32Array {
  const first = firstGateNode(ir);
  const lv = new Int32Array(first + ir.gates);
  for (let g = 0; g < ir.gates; g++) {
    const la = lv[ir.a[g] >>> 1];
    const lb = lv[ir.b[g] >>> 1];
    lv[first + g] = 1 + (la > lb ? la : lb);
  }
  return lv;
}

/** Depth of the design: the highest level any sink literal reaches. */
export function depth(ir: Ir, levels = nodeLevels(ir)): number {
  let d = 0;
  for (const s of sinkLits(ir)) for (let i = 0; i < s.length; i++) d = Math.max(d, levels[s[i] >>> 1]);
  return d;
}

/** True when two IRs are structurally identical (same gates, same stage literals). */
export function sameIr(x: Ir, y: Ir): boolean {
  if (x === y) return true;
  if (x.gates !== y.gates) return false;
  const eq = (p: ArrayLike<number> | null, q: ArrayLike<number> | null, n?: number) => {
    if (p === null || q === null) return p === q;
    const len = n ?? p.length;
    if ((n === undefined && p.length !== q.length)) return false;
    for (let i = 0; i < len; i++) if (p[i] !== q[i]) return false;
    return true;
  };
  return eq(x.a, y.a, x.gates) && eq(x.b, y.b, x.gates) && eq(x.op, y.op, x.gates)
    && eq(x.outputs, y.outputs) && eq(x.scores, y.scores) && eq(x.classId, y.classId);
}
