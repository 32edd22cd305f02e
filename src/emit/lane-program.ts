// The optimized IR as a straight-line program over bit-sliced lanes: what the software
// backends (WebAssembly, C) emit. A lane holds one signal for many samples at once (one
// sample per bit); every instruction is one bitwise operation on whole lanes.
//
// Guarantees (the WASM and C emitters rely on them, the tests check the results against the
// reference evaluator):
// - every IR gate becomes at most ONE instruction of {and, andnot (a & ~b), or, xor}: an
//   inverted result is not computed but *stored inverted* (its consumers absorb the
//   inversion into their truth tables, as literals do in the IR), a pass-through is an alias,
//   a constant is one of the two constant locations;
// - gates no output depends on are dropped;
// - values live in numbered slots reused as soon as their last reader has run (LIFO), so the
//   working set stays small; an output's slot is never reused;
// - outputs are the K·W score bits (class c bit j at c·W + j) then the CW class-index bits,
//   each a location plus an inversion flag.
//
// Locations: 0 = constant 0, 1 = constant 1 (all ones), 2 + i = input bit i, and
// `slotBase + s` = slot s (slotBase = 2 + inputs).

import { absorbInputInversions, classWidth, firstGateNode, scoreWidth, type Ir } from '../ir/ir.js';
import { opBit } from '../netlist/gates.js';

export const LOC_ZERO = 0;
export const LOC_ONES = 1;

export const OP_AND = 0;
export const OP_ANDNOT = 1;
export const OP_OR = 2;
export const OP_XOR = 3;

export interface LaneProgram {
  inputs: number;
  classes: number;
  scoreWidth: number;
  classWidth: number;
  /** Instructions: kind (OP_*), destination slot, source locations a and b. */
  count: number;
  kind: Uint8Array;
  dst: Int32Array;
  srcA: Int32Array;
  srcB: Int32Array;
  /** Slots used (the peak number of values alive at once). */
  slots: number;
  /** First slot location: slot s is location slotBase + s. */
  slotBase: number;
  /** Output locations and inversion flags: K·W score bits, then CW class bits. */
  outLoc: Int32Array;
  outInv: Uint8Array;
}

/** Lowers an IR with scores and class id (the optimizer's output) to a lane program. */
export function laneProgram(ir: Ir): LaneProgram {
  if (!ir.scores || !ir.classId) throw new Error('laneProgram: the IR must be lowered (scores and class id as gates); run optimize() first');
  const first = firstGateNode(ir);
  const nodes = first + ir.gates;
  // Value of every node: a location ("virtual register" for computed gates, before slot
  // assignment: vreg v is location -1 - v) and whether the location holds its complement.
  const loc = new Int32Array(nodes);
  const inv = new Uint8Array(nodes);
  loc[0] = LOC_ZERO;
  for (let i = 0; i < ir.inputs; i++) loc[1 + i] = 2 + i;
  const n = ir.gates;
  const kind = new Uint8Array(n), srcA = new Int32Array(n), srcB = new Int32Array(n);
  let count = 0;
  const isConst = (l: number) => l === LOC_ZERO || l === LOC_ONES;
  const set = (node: number, l: number, i: number) => {
    // A constant is never stored inverted: ~0 is the ones location.
    if (isConst(l)) { loc[node] = i ? LOC_ONES - l : l; inv[node] = 0; } else { loc[node] = l; inv[node] = i; }
  };
  const emit = (node: number, k: number, a: number, b: number, outInv: number) => {
    kind[count] = k; srcA[count] = a; srcB[count] = b;
    loc[node] = -1 - count; inv[node] = outInv;
    count++;
  };

  for (let g = 0; g < n; g++) {
    const node = first + g;
    const la = ir.a[g], lb = ir.b[g];
    const x = loc[la >>> 1], y = loc[lb >>> 1];
    // The op on the stored values: absorb both the literal's and the storage's inversion.
    const op = absorbInputInversions(ir.op[g], (la & 1) ^ inv[la >>> 1], (lb & 1) ^ inv[lb >>> 1]);
    // One input constant, or both the same location: a function of one location (or none).
    if (isConst(x) || isConst(y) || x === y) {
      let v: number, f0: number, f1: number;
      if (isConst(x) && isConst(y)) { set(node, opBit(op, x, y) ? LOC_ONES : LOC_ZERO, 0); continue; }
      if (isConst(x)) { v = y; f0 = opBit(op, x, 0); f1 = opBit(op, x, 1); }
      else if (isConst(y)) { v = x; f0 = opBit(op, 0, y); f1 = opBit(op, 1, y); }
      else { v = x; f0 = opBit(op, 0, 0); f1 = opBit(op, 1, 1); }
      if (f0 === f1) set(node, f0 ? LOC_ONES : LOC_ZERO, 0);
      else set(node, v, f0);
      continue;
    }
    // Two distinct locations: each of the 16 ops is a constant, an alias, or one
    // instruction with the result stored plain or inverted.
    switch (op) {
      case 0: set(node, LOC_ZERO, 0); break;
      case 15: set(node, LOC_ONES, 0); break;
      case 3: set(node, x, 0); break;
      case 12: set(node, x, 1); break;
      case 5: set(node, y, 0); break;
      case 10: set(node, y, 1); break;
      case 1: emit(node, OP_AND, x, y, 0); break;
      case 14: emit(node, OP_AND, x, y, 1); break;
      case 2: emit(node, OP_ANDNOT, x, y, 0); break;
      case 13: emit(node, OP_ANDNOT, x, y, 1); break;
      case 4: emit(node, OP_ANDNOT, y, x, 0); break;
      case 11: emit(node, OP_ANDNOT, y, x, 1); break;
      case 6: emit(node, OP_XOR, x, y, 0); break;
      case 9: emit(node, OP_XOR, x, y, 1); break;
      case 7: emit(node, OP_OR, x, y, 0); break;
      case 8: emit(node, OP_OR, x, y, 1); break;
      default: throw new RangeError(`op ${op} is not in 0..15`);
    }
  }

  // Outputs: score bits, then class bits.
  const sinks = [ir.scores, ir.classId];
  const outs = ir.scores.length + ir.classId.length;
  const outLoc = new Int32Array(outs), outInv = new Uint8Array(outs);
  let o = 0;
  for (const s of sinks) {
    for (let i = 0; i < s.length; i++, o++) {
      const nd = s[i] >>> 1;
      const l = loc[nd], iv = (s[i] & 1) ^ inv[nd];
      if (isConst(l)) { outLoc[o] = iv ? LOC_ONES - l : l; outInv[o] = 0; } else { outLoc[o] = l; outInv[o] = iv; }
    }
  }

  // Liveness: the last instruction reading each vreg (outputs: never freed); dead
  // instructions (no output depends on them) are dropped.
  const NEVER = 0x7fffffff;
  const last = new Int32Array(count).fill(-1);
  for (let i = 0; i < outs; i++) if (outLoc[i] < 0) last[-1 - outLoc[i]] = NEVER;
  const live = new Uint8Array(count);
  for (let v = count - 1; v >= 0; v--) {
    if (last[v] < 0) continue;
    live[v] = 1;
    // Walking backwards, the first reader seen is the last one.
    if (srcA[v] < 0 && last[-1 - srcA[v]] < 0) last[-1 - srcA[v]] = v;
    if (srcB[v] < 0 && last[-1 - srcB[v]] < 0) last[-1 - srcB[v]] = v;
  }

  // Slots: LIFO free list; a value's slot is freed after its last reader has read it.
  const slotBase = 2 + ir.inputs;
  const slotOf = new Int32Array(count).fill(-1);
  const free: number[] = [];
  let slots = 0;
  const out = { kind: new Uint8Array(count), dst: new Int32Array(count), srcA: new Int32Array(count), srcB: new Int32Array(count) };
  let m = 0;
  const resolve = (l: number) => (l < 0 ? slotBase + slotOf[-1 - l] : l);
  for (let v = 0; v < count; v++) {
    if (!live[v]) continue;
    out.kind[m] = kind[v];
    out.srcA[m] = resolve(srcA[v]);
    out.srcB[m] = resolve(srcB[v]);
    // Free the sources that die here before choosing the destination: an instruction may
    // overwrite a source it has just read (a lane op reads both operands first).
    for (const s of [srcA[v], srcB[v]]) {
      if (s < 0 && last[-1 - s] === v && slotOf[-1 - s] >= 0) {
        free.push(slotOf[-1 - s]);
        slotOf[-1 - s] = -2 - slotOf[-1 - s]; // freed (kept negative so it is not freed twice)
      }
    }
    const slot = free.length ? free.pop()! : slots++;
    slotOf[v] = slot;
    out.dst[m] = slot;
    m++;
  }
  for (let i = 0; i < outs; i++) if (outLoc[i] < 0) outLoc[i] = slotBase + slotOf[-1 - outLoc[i]];
  return {
    inputs: ir.inputs,
    classes: ir.classes,
    scoreWidth: scoreWidth(ir.outputsPerClass),
    classWidth: classWidth(ir.classes),
    count: m,
    kind: out.kind.subarray(0, m),
    dst: out.dst.subarray(0, m),
    srcA: out.srcA.subarray(0, m),
    srcB: out.srcB.subarray(0, m),
    slots,
    slotBase,
    outLoc,
    outInv,
  };
}
