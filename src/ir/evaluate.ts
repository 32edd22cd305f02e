// The reference evaluator on the IR: bit-parallel (32 samples per uint32 word), the same
// semantics as netlist/evaluate.ts. Every pass is checked by running this on the IR before
// and after it, and against evaluateNetlist on the source netlist.

import { opWord } from '../netlist/gates.js';
import { argmaxClasses, groupSumScores, type BitSlices, type Evaluation } from '../netlist/evaluate.js';
import { firstGateNode, scoreWidth, type Ir } from './ir.js';

/** Value rows of every node (node-major, x.words words each). */
export function evaluateNodes(ir: Ir, x: BitSlices): Uint32Array {
  if (x.rows !== ir.inputs) throw new RangeError(`input has ${x.rows} bits per vector, the IR expects ${ir.inputs}`);
  const W = x.words;
  const first = firstGateNode(ir);
  const v = new Uint32Array((first + ir.gates) * W);
  v.set(x.data.subarray(0, ir.inputs * W), W);
  for (let g = 0; g < ir.gates; g++) {
    const la = ir.a[g], lb = ir.b[g], op = ir.op[g];
    const ra = (la >>> 1) * W, rb = (lb >>> 1) * W, ro = (first + g) * W;
    const ma = la & 1 ? 0xffffffff : 0, mb = lb & 1 ? 0xffffffff : 0;
    for (let w = 0; w < W; w++) v[ro + w] = opWord(op, (v[ra + w] ^ ma) >>> 0, (v[rb + w] ^ mb) >>> 0);
  }
  return v;
}

/** Bit slices of a list of literals (one row per literal). */
export function litSlices(values: Uint32Array, lits: Int32Array, x: BitSlices): BitSlices {
  const W = x.words;
  const data = new Uint32Array(lits.length * W);
  for (let i = 0; i < lits.length; i++) {
    const r = (lits[i] >>> 1) * W, m = lits[i] & 1 ? 0xffffffff : 0;
    for (let w = 0; w < W; w++) data[i * W + w] = (values[r + w] ^ m) >>> 0;
  }
  // Keep bits past `count` zero, as the netlist evaluator's inputs do.
  const tail = x.count % 32;
  if (tail) for (let i = 0; i < lits.length; i++) data[i * W + W - 1] &= (1 << tail) - 1;
  return { rows: lits.length, count: x.count, words: W, data };
}

/** Scores and predicted class per sample, from whichever stage form the IR is in. */
export function evaluateIr(ir: Ir, x: BitSlices): Evaluation {
  const values = evaluateNodes(ir, x);
  const K = ir.classes;
  let scores: Int32Array;
  if (ir.scores) {
    const Wd = scoreWidth(ir.outputsPerClass);
    scores = numbersFromBits(litSlices(values, ir.scores, x), K, Wd);
  } else if (ir.outputs) {
    scores = groupSumScores(litSlices(values, ir.outputs, x), K);
  } else {
    throw new Error('IR has neither outputs nor scores');
  }
  const predictions = ir.classId
    ? numbersFromBits(litSlices(values, ir.classId, x), 1, ir.classId.length)
    : argmaxClasses(scores, K);
  return { count: x.count, classes: K, scores, predictions };
}

/** groups × width bit rows (LSB first per group) → count × groups numbers, sample-major. */
function numbersFromBits(bits: BitSlices, groups: number, width: number): Int32Array {
  const out = new Int32Array(bits.count * groups);
  for (let c = 0; c < groups; c++) {
    for (let j = 0; j < width; j++) {
      const base = (c * width + j) * bits.words;
      for (let s = 0; s < bits.count; s++) {
        if ((bits.data[base + (s >>> 5)] >>> (s & 31)) & 1) out[s * groups + c] += 1 << j;
      }
    }
  }
  return out;
}
