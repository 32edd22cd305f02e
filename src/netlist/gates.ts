// The gate table: the 16 two-input Boolean functions, the one place they are defined.
// An op 0..15 *is* its truth table: the output for inputs (A, B) is bit 3 - (2A + B) of the
// op, so reading the op in binary gives the outputs for AB = 00, 01, 10, 11 (difflogic order).
// The trainer, the evaluators and the emitters all read this file; none keeps a second copy.

export const OP_COUNT = 16;

export const OP_NAMES = [
  'FALSE', 'AND', 'A_AND_NOT_B', 'A', 'NOT_A_AND_B', 'B', 'XOR', 'OR',
  'NOR', 'XNOR', 'NOT_B', 'B_IMPLIES_A', 'NOT_A', 'A_IMPLIES_B', 'NAND', 'TRUE',
] as const;

export type OpName = (typeof OP_NAMES)[number];

/** Output of op for single-bit inputs a, b (0 or 1). */
export function opBit(op: number, a: number, b: number): number {
  return (op >> (3 - (2 * a + b))) & 1;
}

/** The op's truth table as outputs for AB = 00, 01, 10, 11. */
export function truthTable(op: number): [number, number, number, number] {
  return [opBit(op, 0, 0), opBit(op, 0, 1), opBit(op, 1, 0), opBit(op, 1, 1)];
}

/** The op whose truth table is t (outputs for AB = 00, 01, 10, 11). */
export function opFromTable(t: readonly number[]): number {
  return (t[0] << 3) | (t[1] << 2) | (t[2] << 1) | t[3];
}

/**
 * Bit-parallel op: 32 samples at once, one per bit of a and b. Returns a uint32.
 * Each case is the function written as a word operation; the switch is what the
 * evaluator's inner loop runs, so it stays branch-predictable per gate.
 */
export function opWord(op: number, a: number, b: number): number {
  switch (op) {
    case 0: return 0;
    case 1: return (a & b) >>> 0;
    case 2: return (a & ~b) >>> 0;
    case 3: return a >>> 0;
    case 4: return (~a & b) >>> 0;
    case 5: return b >>> 0;
    case 6: return (a ^ b) >>> 0;
    case 7: return (a | b) >>> 0;
    case 8: return ~(a | b) >>> 0;
    case 9: return ~(a ^ b) >>> 0;
    case 10: return ~b >>> 0;
    case 11: return (a | ~b) >>> 0;
    case 12: return ~a >>> 0;
    case 13: return (~a | b) >>> 0;
    case 14: return ~(a & b) >>> 0;
    case 15: return 0xffffffff;
    default: throw new RangeError(`op ${op} is not in 0..15`);
  }
}

/**
 * The real-valued relaxation of op as coefficients of {1, a, b, ab}: the multilinear
 * interpolation of its truth table, f(a,b) = c1 + ca·a + cb·b + cab·ab. For the
 * probabilistic relaxation of difflogic this is exact (e.g. XOR = a + b − 2ab).
 */
export function relaxation(op: number): [c1: number, ca: number, cb: number, cab: number] {
  const [t00, t01, t10, t11] = truthTable(op);
  return [t00, t10 - t00, t01 - t00, t11 - t10 - t01 + t00];
}

/** relaxation() for all 16 ops, flattened: RELAXATION[4 * op + k]. */
export const RELAXATION: Float64Array = Float64Array.from(
  Array.from({ length: OP_COUNT }, (_, op) => relaxation(op)).flat(),
);

/** Ops that ignore both inputs (FALSE, TRUE). */
export function isConstantOp(op: number): boolean {
  return op === 0 || op === 15;
}

/** Which inputs an op actually reads: bit 0 = A, bit 1 = B. */
export function opSupport(op: number): number {
  const [t00, t01, t10, t11] = truthTable(op);
  const readsA = t00 !== t10 || t01 !== t11;
  const readsB = t00 !== t01 || t10 !== t11;
  return (readsA ? 1 : 0) | (readsB ? 2 : 0);
}
