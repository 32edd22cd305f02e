// arith.ts — the hardware form of Group-Sum and argmax, built by lgnc from the network's
// output literals: a small datapath of LUT-level full/half adders, two-operand adders and
// comparators that synth_ice40 maps to the iCE40 carry chain (SB_CARRY), and muxes.
// Yosys turns a multi-operand sum into its own LUT tree, so the structure is chosen here:
//   popcount: per class, a carry-save tree of full adders (3 bits of a column → a sum bit and a
//     carry into the next column, the earliest-arriving bits first) reduces the class's bits
//     to two rows, then one two-operand add (on the carry chain) gives the score;
//   argmax: a tournament of `r > l` comparators (subtractions on the carry chain); the right
//     contender wins only when strictly greater, so ties keep the lower class index.
// The ripple form (`--arith ripple`): per class full adders turn about a quarter of the bits
// into 2-bit numbers, then a tree of two-operand adds on the carry chain (each its own module,
// so Yosys keeps it on the chain), each add taking one remaining bit as its carry-in: a k-bit
// add then removes k bits for about k + 2 cells; the comparators are LUT logic.
// The same datapath is evaluated here bit-parallel (`evaluateArith`) and written as Verilog
// (`writeArithModules`), so what is emitted is what the compiler checks against the
// reference evaluator. Guarantees: scores = popcounts, class = argmax, ties to the lowest.

import { opWord } from '../netlist/gates.js';
import { classWidth, scoreWidth, type Lit } from '../ir/ir.js';
import { opExpression } from './verilog.js';

/** One datapath operation. Signals are numbered; 0 is FALSE, 1 is TRUE, 2.. are inputs then results. */
export type ArithOp =
  /** A last-layer gate moved into the popcount, so a full adder's LUT can absorb it: out = op(a, b). */
  | { kind: 'gate'; op: number; a: number; b: number; out: number; step?: number }
  | { kind: 'fa'; a: number; b: number; c: number; sum: number; carry: number }
  | { kind: 'ha'; a: number; b: number; sum: number; carry: number }
  /** s = A + B (+ ci) (two-operand add, LSB first, equal widths; s has one bit more, or as many when the carry out is known 0). */
  | { kind: 'add'; A: number[]; B: number[]; s: number[]; ci?: number }
  /** out = (A > B) as unsigned numbers (equal widths). */
  | { kind: 'gt'; A: number[]; B: number[]; out: number }
  /** out[j] = sel ? A[j] : B[j]. */
  | { kind: 'mux'; sel: number; A: number[]; B: number[]; out: number[] };

export interface Arith {
  /** The network literals the datapath reads (signal 2 + i is inputs[i]). */
  inputs: Int32Array;
  classes: number;
  scoreWidth: number;
  classWidth: number;
  signals: number;
  ops: ArithOp[];
  /** Which ops are popcount (the rest are argmax): ops[0..popcountOps). */
  popcountOps: number;
  /** Signals of the scores (class c bit j at c*W + j) and of the class id (LSB first). */
  scores: number[];
  classId: number[];
  /** 'csa': carry-save full adders + one add per class, comparators on the carry chain; 'ripple': see buildArith. */
  form: ArithForm;
  argmax: ArgmaxForm;
}

export type ArithForm = 'csa' | 'ripple';
/** Argmax: 'tree', a tournament of comparators and score muxes; 'scan', elimination MSB first (see buildArith). */
export type ArgmaxForm = 'tree' | 'scan';
export const ARGMAX_FORMS: ArgmaxForm[] = ['tree', 'scan'];

// 2-input ops of the gate table (../netlist/gates.ts) the scan argmax uses.
const OP_AND = 1, OP_NOT_A_AND_B = 4, OP_OR = 7, OP_A_OR_NOT_B = 11, OP_NOT_A = 12;

export const SIG_FALSE = 0;
export const SIG_TRUE = 1;

/** Arrival estimate of a signal in LUT levels (for scheduling the earliest bits first). */
type Level = number;

/**
 * Builds the datapath for Group-Sum + argmax over `outputs` (K·M literals, class c's block
 * at [c·M, (c+1)·M)); `levels` gives each literal's arrival (its gate level).
 */
export function buildArith(outputs: Int32Array, classes: number, levelOf: (lit: Lit) => Level, fusable?: (lit: Lit) => { op: number; a: Lit; b: Lit } | null, form: ArithForm = 'csa', argmaxForm: ArgmaxForm = 'tree'): Arith {
  const K = classes, M = outputs.length / K, W = scoreWidth(M), CW = classWidth(K);
  const inputs: number[] = [];
  const inputOf = new Map<Lit, number>();
  let signals = 2;
  const ops: ArithOp[] = [];
  const level: number[] = [0, 0];
  const sig = (lit: Lit): number => {
    if (lit === 0) return SIG_FALSE;
    if (lit === 1) return SIG_TRUE;
    let s = inputOf.get(lit);
    if (s === undefined) { s = signals++; inputOf.set(lit, s); inputs.push(lit); level[s] = levelOf(lit); }
    return s;
  };
  // Inputs first (signals 2 .. 2 + inputs - 1), in the order the outputs read them.
  for (let i = 0; i < outputs.length; i++) {
    const g = fusable?.(outputs[i]);
    if (g) { sig(g.a); sig(g.b); } else sig(outputs[i]);
  }
  const fresh = (lv: number): number => { level[signals] = lv; return signals++; };
  // An output that is a gate read by nothing else enters as that gate over its own inputs.
  const gateOps: ArithOp[] = [];
  const output = (lit: Lit): number => {
    const g = fusable?.(lit);
    if (!g) return sig(lit);
    const a = sig(g.a), b = sig(g.b);
    const out = fresh(Math.max(level[a], level[b]) + 1);
    gateOps.push({ kind: 'gate', op: lit & 1 ? ~g.op & 15 : g.op, a, b, out });
    return out;
  };

  /**
   * The ripple form of one class's count (iCE40: a k-bit add on the carry chain costs about
   * k + 2 logic cells and, with a count bit as its carry-in, removes k bits; a full adder's
   * two LUT4s remove one): about a quarter of the bits go through full adders into 2-bit
   * numbers, then the two narrowest numbers are added, again and again, each add taking one of
   * the remaining bits as its carry-in (TRUE bits first: a constant carry-in is free).
   */
  const ripplePopcount = (bits: number[], ones: number): number[] => {
    bits.sort((x, y) => level[x] - level[y] || x - y);
    const F = Math.min(Math.floor((bits.length + 1) / 4), Math.floor(bits.length / 3));
    const nums: { bits: number[]; max: number }[] = [];
    for (let f = 0; f < F; f++) {
      const [a, b, cc] = bits.splice(0, 3);
      const lv = Math.max(level[a], level[b], level[cc]) + 1;
      const sum = fresh(lv), carry = fresh(lv);
      ops.push({ kind: 'fa', a, b, c: cc, sum, carry });
      nums.push({ bits: [sum, carry], max: 3 });
    }
    const singles = [...Array<number>(ones).fill(SIG_TRUE), ...bits];
    // Enough bits become 1-bit operands that every add gets a carry-in and none is left over.
    const k = Math.max(0, Math.min(singles.length, Math.ceil((singles.length - nums.length + 1) / 2)));
    for (const b of singles.splice(singles.length - k, k)) nums.push({ bits: [b], max: 1 });
    if (nums.length === 0) return Array<number>(W).fill(SIG_FALSE);
    const lvOf = (v: number[]) => Math.max(0, ...v.map((x) => level[x]));
    while (nums.length > 1 || singles.length > 0) {
      nums.sort((p, q) => p.bits.length - q.bits.length || lvOf(p.bits) - lvOf(q.bits));
      const a = nums.shift()!, b = nums.shift() ?? { bits: [SIG_FALSE], max: 0 };
      const ci = singles.shift() ?? SIG_FALSE;
      const max = a.max + b.max + (ci === SIG_FALSE ? 0 : 1);
      const L = Math.max(a.bits.length, b.bits.length);
      const A = [...a.bits, ...Array<number>(L - a.bits.length).fill(SIG_FALSE)];
      const B = [...b.bits, ...Array<number>(L - b.bits.length).fill(SIG_FALSE)];
      const lv = Math.max(lvOf(A), lvOf(B), level[ci]) + 1;
      const sum = Array.from({ length: Math.min(W, Math.max(L, Math.ceil(Math.log2(max + 1)))) }, () => fresh(lv));
      ops.push({ kind: 'add', A, B, s: sum, ...(ci !== SIG_FALSE ? { ci } : {}) });
      nums.push({ bits: sum, max });
    }
    return [...nums[0].bits, ...Array<number>(W - nums[0].bits.length).fill(SIG_FALSE)];
  };

  const scores: number[] = [];
  for (let c = 0; c < K; c++) {
    // Columns of bits of weight 2^j; constants fold: TRUE bits are counted into a binary constant.
    const cols: number[][] = Array.from({ length: W + 1 }, () => []);
    let ones = 0;
    for (let j = c * M; j < (c + 1) * M; j++) {
      const s = output(outputs[j]);
      if (s === SIG_TRUE) ones++;
      else if (s !== SIG_FALSE) cols[0].push(s);
    }
    if (form === 'ripple') {
      for (const b of ripplePopcount(cols[0], ones)) scores.push(b);
      continue;
    }
    for (let j = 0; j < W; j++) if ((ones >> j) & 1) cols[j].push(SIG_TRUE);
    const earliest = (col: number[]) => { col.sort((x, y) => level[x] - level[y] || x - y); return col.shift()!; };
    for (let j = 0; j < W; j++) {
      const col = cols[j];
      // Full adders until two bits are left; the carry-chain add takes the last two rows.
      while (col.length > 2) {
        const a = earliest(col), b = earliest(col), cc = earliest(col);
        const lv = Math.max(level[a], level[b], level[cc]) + 1;
        const sum = fresh(lv), carry = fresh(lv);
        ops.push({ kind: 'fa', a, b, c: cc, sum, carry });
        col.push(sum);
        cols[j + 1].push(carry);
      }
    }
    // Two rows remain (one bit or none in some columns): one add on the carry chain.
    const A: number[] = [], B: number[] = [];
    for (let j = 0; j < W; j++) { A.push(cols[j][0] ?? SIG_FALSE); B.push(cols[j][1] ?? SIG_FALSE); }
    let top = W;
    while (top > 0 && A[top - 1] === SIG_FALSE && B[top - 1] === SIG_FALSE) top--;
    if (B.every((s) => s === SIG_FALSE)) { for (let j = 0; j < W; j++) scores.push(A[j]); continue; }
    const lv = Math.max(...A.slice(0, top).map((s) => level[s]), ...B.slice(0, top).map((s) => level[s])) + 1;
    // The carry out of the top column is dropped when it is the (always 0) bit W.
    const s = Array.from({ length: Math.min(top + 1, W) }, () => fresh(lv));
    ops.push({ kind: 'add', A: A.slice(0, top), B: B.slice(0, top), s });
    for (let j = 0; j < W; j++) scores.push(j < s.length ? s[j] : SIG_FALSE);
  }
  ops.unshift(...gateOps);
  const popcountOps = ops.length;

  const classId = argmaxForm === 'scan' ? scanArgmax() : tournament();
  /**
   * Argmax as an elimination scan, most significant bit first: every class starts alive; at
   * bit j, when some alive class has a 1 there, the alive classes with a 0 drop out. What
   * is left after bit 0 holds the maximum; the lowest alive index is the class (ties to the
   * lowest). About 1.8·K LUT4s a bit and no score muxes: fewer cells than the tournament's
   * comparators and muxes (default MNIST model: 130 LUT4 against 160), over more LUT levels
   * (W steps of about three against the tournament's four rounds of about four).
   */
  function scanArgmax(): number[] {
    // Each bit's elimination is a kept module of its own, the last bit's updates go with the
    // pick (writeArithModules): mapped as one module, ABC duplicated logic along the long
    // alive chain for depth and ended larger than the tournament (172 LUT4, against 130).
    let step = 0;
    const g = (op: number, a: number, b: number): number => {
      const konst = (s: number) => s <= SIG_TRUE;
      const at = (x: number, y: number) => (opWord(op, x, y) & 1) === 1;
      if (konst(a) && konst(b)) return at(a, b) ? SIG_TRUE : SIG_FALSE; // SIG_FALSE = 0, SIG_TRUE = 1
      // One constant input: the op is a constant, the other input, or its complement.
      if (konst(a) || konst(b)) {
        const k = konst(a) ? a : b;
        const f0 = konst(a) ? at(k, 0) : at(0, k), f1 = konst(a) ? at(k, 1) : at(1, k);
        if (f0 === f1) return f0 ? SIG_TRUE : SIG_FALSE;
        if (!f0 && f1) return konst(a) ? b : a;
      }
      const out = fresh(Math.max(level[a], level[b]) + 1);
      ops.push({ kind: 'gate', op, a, b, out, step });
      return out;
    };
    const orAll = (v: number[]): number => {
      let row = v.filter((s) => s !== SIG_FALSE);
      if (row.length === 0) return SIG_FALSE;
      while (row.length > 1) {
        const next: number[] = [];
        for (let i = 0; i + 1 < row.length; i += 2) next.push(g(OP_OR, row[i], row[i + 1]));
        if (row.length % 2) next.push(row[row.length - 1]);
        row = next;
      }
      return row[0];
    };
    let alive = Array.from({ length: K }, () => SIG_TRUE);
    for (let j = W - 1; j >= 0; j--) {
      const bit = (c: number) => scores[c * W + j];
      const any = orAll(alive.map((a, c) => g(OP_AND, a, bit(c))));
      if (j === 0) step++;
      alive = alive.map((a, c) => g(OP_AND, a, g(OP_A_OR_NOT_B, bit(c), any)));
      if (j > 0) step++;
    }
    // The lowest alive class, by halves: the index is in the lower half (a power of two) when
    // any class there is alive, else in the upper. Some class is always alive (the maximum),
    // so a half is only asked when it holds one, and its index needs no "none" case.
    const lowest = (lo: number, n: number): { bits: number[]; any: number } => {
      if (n === 1) return { bits: [], any: alive[lo] };
      const h = 1 << (31 - Math.clz32(n - 1)); // largest power of two below n
      const L = lowest(lo, h), H = lowest(lo + h, n - h);
      const bits = L.bits.map((l, j) => mux(L.any, l, H.bits[j] ?? SIG_FALSE));
      bits.push(g(OP_NOT_A, L.any, L.any));
      return { bits, any: g(OP_OR, L.any, H.any) };
    };
    const mux = (sel: number, x: number, y: number) => g(OP_OR, g(OP_AND, sel, x), g(OP_NOT_A_AND_B, sel, y));
    const { bits } = lowest(0, K);
    return Array.from({ length: CW }, (_, j) => bits[j] ?? SIG_FALSE);
  }

  function tournament(): number[] {
    // Argmax tournament: pairs (0,1), (2,3), …; an odd one out waits for the next round.
    interface Contender { score: number[]; index: number[] }
    let round: Contender[] = Array.from({ length: K }, (_, c) => ({
      score: scores.slice(c * W, (c + 1) * W),
      index: Array.from({ length: CW }, (_, j) => ((c >> j) & 1 ? SIG_TRUE : SIG_FALSE)),
    }));
    const vec = (n: number, lv: number) => Array.from({ length: n }, () => fresh(lv));
    while (round.length > 1) {
      const next: Contender[] = [];
      const last = round.length === 2;
      for (let i = 0; i + 1 < round.length; i += 2) {
        const L = round[i], R = round[i + 1];
        const lv = Math.max(...L.score.map((s) => level[s]), ...R.score.map((s) => level[s])) + 1;
        // Constant contenders fold: R never wins when its score is 0 or L's is the maximum,
        // and two constant scores compare here.
        const isConst = (v: number[]) => v.every((s) => s <= SIG_TRUE);
        const value = (v: number[]) => v.reduce((n, s, j) => n + (s === SIG_TRUE ? 1 << j : 0), 0);
        let gt: number;
        if (R.score.every((s) => s === SIG_FALSE) || L.score.every((s) => s === SIG_TRUE)) gt = SIG_FALSE;
        else if (isConst(R.score) && isConst(L.score)) gt = value(R.score) > value(L.score) ? SIG_TRUE : SIG_FALSE;
        else {
          gt = fresh(lv);
          ops.push({ kind: 'gt', A: R.score, B: L.score, out: gt });
        }
        const pick = (r: number[], l: number[]): number[] => {
          if (gt <= SIG_TRUE) return gt === SIG_TRUE ? r : l;
          const out = vec(r.length, lv + 1);
          ops.push({ kind: 'mux', sel: gt, A: r, B: l, out });
          return out;
        };
        const index = pick(R.index, L.index);
        next.push({ score: last ? [] : pick(R.score, L.score), index });
      }
      if (round.length % 2 === 1) next.push(round[round.length - 1]);
      round = next;
    }
    return round[0].index;
  }
  // Drop what no output reads (a score mux whose next match folded, for instance).
  const used = new Uint8Array(signals);
  for (const s of [...scores, ...classId]) used[s] = 1;
  const kept: ArithOp[] = [];
  let keptPopcount = 0;
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i];
    if (op.kind === 'mux') {
      const bits = op.out.map((s, j) => j).filter((j) => used[op.out[j]]);
      if (bits.length === 0) continue;
      const m = { kind: 'mux' as const, sel: op.sel, A: bits.map((j) => op.A[j]), B: bits.map((j) => op.B[j]), out: bits.map((j) => op.out[j]) };
      used[m.sel] = 1;
      for (const s of [...m.A, ...m.B]) used[s] = 1;
      kept.push(m);
    } else {
      const outs = op.kind === 'fa' || op.kind === 'ha' ? [op.sum, op.carry] : op.kind === 'add' ? op.s : [op.out];
      if (!outs.some((s) => used[s])) continue;
      const ins = op.kind === 'fa' ? [op.a, op.b, op.c] : op.kind === 'ha' || op.kind === 'gate' ? [op.a, op.b] : op.kind === 'add' && op.ci !== undefined ? [...op.A, ...op.B, op.ci] : [...op.A, ...op.B];
      for (const s of ins) used[s] = 1;
      kept.push(op);
    }
    if (i < popcountOps) keptPopcount++;
  }
  kept.reverse();
  return {
    inputs: Int32Array.from(inputs), classes: K, scoreWidth: W, classWidth: CW,
    signals, ops: kept, popcountOps: keptPopcount, scores, classId, form, argmax: argmaxForm,
  };
}

/** Full adders, adds and comparators of a datapath (for statistics). */
export function arithStats(a: Arith): { fusedGates: number; fullAdders: number; adds: number; comparators: number; muxBits: number; argmax: ArgmaxForm; argmaxGates: number } {
  let fusedGates = 0, fullAdders = 0, adds = 0, comparators = 0, muxBits = 0, argmaxGates = 0;
  for (const [i, op] of a.ops.entries()) {
    if (op.kind === 'gate' && i < a.popcountOps) fusedGates++;
    else if (op.kind === 'gate') argmaxGates++;
    else if (op.kind === 'fa') fullAdders++;
    else if (op.kind === 'add') adds++;
    else if (op.kind === 'gt') comparators++;
    else if (op.kind === 'mux') muxBits += op.out.length;
  }
  return { fusedGates, fullAdders, adds, comparators, muxBits, argmax: a.argmax, argmaxGates };
}

/**
 * Evaluates the datapath bit-parallel: `inputRow(i)` gives the W-word row of input i
 * (the value of literal a.inputs[i] for each sample). Returns the rows of all signals.
 */
export function evaluateArith(a: Arith, words: number, inputRow: (i: number) => Uint32Array): Uint32Array {
  const v = new Uint32Array(a.signals * words);
  v.fill(0xffffffff, words, 2 * words);
  for (let i = 0; i < a.inputs.length; i++) v.set(inputRow(i).subarray(0, words), (2 + i) * words);
  const row = (s: number) => s * words;
  for (const op of a.ops) {
    for (let w = 0; w < words; w++) {
      if (op.kind === 'gate') {
        v[row(op.out) + w] = opWord(op.op, v[row(op.a) + w], v[row(op.b) + w]);
      } else if (op.kind === 'fa') {
        const x = v[row(op.a) + w], y = v[row(op.b) + w], z = v[row(op.c) + w];
        v[row(op.sum) + w] = x ^ y ^ z;
        v[row(op.carry) + w] = (x & y) | (z & (x ^ y));
      } else if (op.kind === 'ha') {
        const x = v[row(op.a) + w], y = v[row(op.b) + w];
        v[row(op.sum) + w] = x ^ y;
        v[row(op.carry) + w] = x & y;
      } else if (op.kind === 'add') {
        let carry = op.ci === undefined ? 0 : v[row(op.ci) + w];
        for (let j = 0; j < op.A.length; j++) {
          const x = v[row(op.A[j]) + w], y = v[row(op.B[j]) + w];
          v[row(op.s[j]) + w] = x ^ y ^ carry;
          carry = (x & y) | (carry & (x ^ y));
        }
        if (op.s.length > op.A.length) v[row(op.s[op.A.length]) + w] = carry;
      } else if (op.kind === 'gt') {
        // Scan from the LSB: gt = A_j & ~B_j | (A_j == B_j) & gt_below.
        let gt = 0;
        for (let j = 0; j < op.A.length; j++) {
          const x = v[row(op.A[j]) + w], y = v[row(op.B[j]) + w];
          gt = (x & ~y) | (~(x ^ y) & gt);
        }
        v[row(op.out) + w] = gt;
      } else {
        const sel = v[row(op.sel) + w];
        for (let j = 0; j < op.out.length; j++) v[row(op.out[j]) + w] = (sel & v[row(op.A[j]) + w]) | (~sel & v[row(op.B[j]) + w]);
      }
    }
  }
  return v;
}

/** Verilog name of a signal inside the popcount/argmax modules. */
function name(a: Arith, s: number): string {
  if (s === SIG_FALSE) return "1'b0";
  if (s === SIG_TRUE) return "1'b1";
  if (s < 2 + a.inputs.length) return `y[${s - 2}]`;
  return `s${s}`;
}

const cat = (a: Arith, bits: number[]) => (bits.length === 1 ? name(a, bits[0]) : `{${bits.map((b) => name(a, b)).reverse().join(', ')}}`);

/**
 * The ripple form's adder `<top>_add<L>_<S>`: S-bit s = a + b + ci over L-bit operands, a
 * module of its own that synthesis keeps, because Yosys merges a tree of adds into one
 * multi-operand sum and maps that to LUTs, not to the carry chain.
 */
function adderModule(top: string, L: number, S: number): string {
  return [
    `(* keep_hierarchy *)`,
    `module ${top}_add${L}_${S} (`,
    `  input  wire [${L - 1}:0] a,`,
    `  input  wire [${L - 1}:0] b,`,
    '  input  wire ci,',
    `  output wire [${S - 1}:0] s`,
    ');',
    ...(S > L ? [`  assign s = {1'b0, a} + {1'b0, b} + {${S - 1}'d0, ci};`] : [`  assign s = a + b + {${S - 1}'d0, ci};`]),
    'endmodule',
    '',
  ].join('\n');
}

function writeOp(a: Arith, op: ArithOp, out: string[], top: string, adders: Set<string>): void {
  const n = (s: number) => name(a, s);
  switch (op.kind) {
    case 'gate':
      out.push(`  wire ${n(op.out)} = ${opExpression(op.op, n(op.a), n(op.b))};  // a last-layer gate`);
      break;
    case 'fa':
      out.push(`  wire ${n(op.sum)} = ${n(op.a)} ^ ${n(op.b)} ^ ${n(op.c)};`);
      out.push(`  wire ${n(op.carry)} = (${n(op.a)} & ${n(op.b)}) | (${n(op.c)} & (${n(op.a)} ^ ${n(op.b)}));`);
      break;
    case 'ha':
      out.push(`  wire ${n(op.sum)} = ${n(op.a)} ^ ${n(op.b)};`);
      out.push(`  wire ${n(op.carry)} = ${n(op.a)} & ${n(op.b)};`);
      break;
    case 'add': {
      const t = `add${op.s[0]}`;
      if (a.form === 'ripple') {
        const L = op.A.length, S = op.s.length;
        adders.add(`${L}_${S}`);
        out.push(`  wire [${S - 1}:0] ${t};`);
        out.push(`  ${top}_add${L}_${S} u_${t} (.a(${cat(a, op.A)}), .b(${cat(a, op.B)}), .ci(${op.ci === undefined ? "1'b0" : n(op.ci)}), .s(${t}));`);
        op.s.forEach((s, j) => out.push(`  wire ${n(s)} = ${t}[${j}];`));
        break;
      }
      // Two operands only, each padded to the sum's width: Yosys maps it to one carry chain.
      const pad = op.s.length > op.A.length ? "1'b0, " : '';
      out.push(`  wire [${op.s.length - 1}:0] ${t} = {${pad}${cat(a, op.A)}} + {${pad}${cat(a, op.B)}};`);
      op.s.forEach((s, j) => out.push(`  wire ${n(s)} = ${t}[${j}];`));
      break;
    }
    case 'gt':
      out.push(`  wire ${n(op.out)} = ${cat(a, op.A)} > ${cat(a, op.B)};  // a subtraction on the carry chain`);
      break;
    case 'mux':
      op.out.forEach((s, j) => out.push(`  wire ${n(s)} = ${n(op.sel)} ? ${n(op.A[j])} : ${n(op.B[j])};`));
      break;
  }
}

/**
 * The scan argmax's steps (one per score bit, then the pick of the lowest alive class) as kept
 * modules `<top>_argmax_step<k>`: their instances go into `am` (the argmax module's body, whose
 * signal names `nm` gives), their module texts are returned.
 */
function writeScanSteps(a: Arith, top: string, nm: (s: number) => string, am: string[]): string[] {
  const gates = a.ops.slice(a.popcountOps).filter((op): op is Extract<ArithOp, { kind: 'gate' }> => op.kind === 'gate');
  const stepOf = new Map<number, number>(gates.map((op) => [op.out, op.step ?? 0]));
  const readOutside = new Set<number>(a.classId);
  for (const op of gates) for (const x of [op.a, op.b]) if (stepOf.has(x) && stepOf.get(x) !== op.step) readOutside.add(x);
  const steps = [...new Set(gates.map((op) => op.step ?? 0))];
  const modules: string[] = [];
  for (const k of steps) {
    const group = gates.filter((op) => (op.step ?? 0) === k);
    const ins: number[] = [];
    const inIndex = new Map<number, number>();
    for (const op of group) {
      for (const x of [op.a, op.b]) if (x > SIG_TRUE && stepOf.get(x) !== k && !inIndex.has(x)) { inIndex.set(x, ins.length); ins.push(x); }
    }
    const outs = group.map((op) => op.out).filter((x) => readOutside.has(x));
    const local = (x: number) => (inIndex.has(x) ? `i[${inIndex.get(x)}]` : name(a, x));
    const mod = `${top}_argmax_step${k}`;
    modules.push([
      '(* keep_hierarchy *)',
      `module ${mod} (`,
      `  input  wire [${ins.length - 1}:0] i,`,
      `  output wire [${outs.length - 1}:0] o`,
      ');',
      ...group.map((op) => `  wire ${name(a, op.out)} = ${opExpression(op.op, local(op.a), local(op.b))};`),
      `  assign o = {${outs.map((x) => name(a, x)).reverse().join(', ')}};`,
      'endmodule',
      '',
    ].join('\n'));
    am.push(`  wire [${outs.length - 1}:0] step${k}_o;`);
    am.push(`  ${mod} step${k} (.i({${ins.map(nm).reverse().join(', ')}}), .o(step${k}_o));`);
    outs.forEach((x, j) => am.push(`  wire ${nm(x)} = step${k}_o[${j}];`));
  }
  return modules;
}

/**
 * The popcount and argmax modules `<top>_popcount` (y → scores) and `<top>_argmax`
 * (y and scores → class_id; it reads only the scores), as Verilog text.
 */
export function writeArithModules(a: Arith, top: string): string {
  const Y = a.inputs.length, K = a.classes, W = a.scoreWidth, CW = a.classWidth;
  const out: string[] = [];
  const pc: string[] = [];
  const adders = new Set<string>();
  for (const op of a.ops.slice(0, a.popcountOps)) writeOp(a, op, pc, top, adders);
  if (a.form === 'ripple') {
    out.push(`// Group-Sum: per class full adders for about a quarter of the bits, then a tree of`);
    out.push(`// two-operand adds on the carry chain, each with one more bit as its carry-in.`);
  } else {
    out.push(`// Group-Sum: per class a carry-save tree of full adders down to two rows, then one`);
    out.push(`// two-operand add (the iCE40 carry chain).`);
  }
  out.push(`module ${top}_popcount (`);
  out.push(`  input  wire [${Y - 1}:0] y,`);
  out.push(`  output wire [${K * W - 1}:0] scores`);
  out.push(');');
  for (const l of pc) out.push(l); // not push(...pc): a wide popcount overflows the call stack
  for (let c = 0; c < K; c++) out.push(`  assign scores[${c * W} +: ${W}] = ${cat(a, a.scores.slice(c * W, (c + 1) * W))};  // class ${c}`);
  out.push('endmodule', '');
  // The argmax reads the scores through its own port: name scores bits s_c_j there.
  const am: string[] = [];
  const scoreName = new Map<number, string>();
  a.scores.forEach((s, i) => { if (s > SIG_TRUE) scoreName.set(s, `scores[${i}]`); });
  const nm = (s: number) => scoreName.get(s) ?? name(a, s);
  const catA = (bits: number[]) => (bits.length === 1 ? nm(bits[0]) : `{${bits.map(nm).reverse().join(', ')}}`);
  for (const op of a.ops.slice(a.popcountOps)) {
    if (op.kind === 'gt' && a.form === 'ripple') {
      // LUT logic (a comparator on the carry chain leaves its LUTs idle), the argmax pass's
      // log-depth form: [gt, eq] of the upper half merged with the lower half's.
      const p = nm(op.out);
      let t = 0;
      const compare = (lo: number, hi: number, needEq: boolean): [string, string] => {
        if (hi - lo === 1) {
          const x = nm(op.A[lo]), y = nm(op.B[lo]), g = `${p}_t${t++}`;
          am.push(`  wire ${g} = ${x} & ~${y};`);
          if (!needEq) return [g, ''];
          const e = `${p}_t${t++}`;
          am.push(`  wire ${e} = ~(${x} ^ ${y});`);
          return [g, e];
        }
        const mid = (lo + hi) >> 1;
        const [gh, eh] = compare(mid, hi, true);
        const [gl, el] = compare(lo, mid, needEq);
        const g = `${p}_t${t++}`;
        am.push(`  wire ${g} = ${gh} | (${eh} & ${gl});`);
        if (!needEq) return [g, ''];
        const e = `${p}_t${t++}`;
        am.push(`  wire ${e} = ${eh} & ${el};`);
        return [g, e];
      };
      am.push(`  wire ${p} = ${compare(0, op.A.length, false)[0]};`);
    } else if (op.kind === 'gt') am.push(`  wire ${nm(op.out)} = ${catA(op.A)} > ${catA(op.B)};  // a subtraction on the carry chain`);
    else if (op.kind === 'mux') op.out.forEach((s, j) => am.push(`  wire ${nm(s)} = ${nm(op.sel)} ? ${nm(op.A[j])} : ${nm(op.B[j])};`));
  }
  const stepModules = a.argmax === 'scan' ? writeScanSteps(a, top, nm, am) : [];
  if (a.argmax === 'scan') {
    out.push(`// argmax: an elimination scan, most significant score bit first (one kept module a`);
    out.push(`// step), then the lowest class left, so ties keep the lower class index.`);
  } else {
    out.push(`// argmax: a tournament of comparators; the right contender wins only when strictly`);
    out.push(`// greater, so ties keep the lower class index.`);
  }
  out.push(`module ${top}_argmax (`);
  // Waiver: score bits that are constant (e.g. the top bit of a class that cannot reach it) are not read.
  out.push('  /* verilator lint_off UNUSEDSIGNAL */');
  out.push(`  input  wire [${K * W - 1}:0] scores,`);
  out.push('  /* verilator lint_on UNUSEDSIGNAL */');
  out.push(`  output wire [${CW - 1}:0] class_id`);
  out.push(');');
  for (const l of am) out.push(l);
  out.push(`  assign class_id = ${catA(a.classId)};`);
  out.push('endmodule', '');
  for (const m of stepModules) out.push(m);
  for (const k of [...adders].sort()) { const [L, S] = k.split('_').map(Number); out.push(adderModule(top, L, S)); }
  return out.join('\n');
}
