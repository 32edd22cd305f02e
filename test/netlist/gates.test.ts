import { describe, expect, it } from 'vitest';
import { OP_NAMES, opBit, opFromTable, opSupport, opWord, relaxation, truthTable } from '../../src/netlist/gates.js';

// The gate table of DESIGN.md, written out: outputs for AB = 00, 01, 10, 11.
const TABLE: Record<string, number[]> = {
  FALSE: [0, 0, 0, 0], AND: [0, 0, 0, 1], A_AND_NOT_B: [0, 0, 1, 0], A: [0, 0, 1, 1],
  NOT_A_AND_B: [0, 1, 0, 0], B: [0, 1, 0, 1], XOR: [0, 1, 1, 0], OR: [0, 1, 1, 1],
  NOR: [1, 0, 0, 0], XNOR: [1, 0, 0, 1], NOT_B: [1, 0, 1, 0], B_IMPLIES_A: [1, 0, 1, 1],
  NOT_A: [1, 1, 0, 0], A_IMPLIES_B: [1, 1, 0, 1], NAND: [1, 1, 1, 0], TRUE: [1, 1, 1, 1],
};

describe('gate table', () => {
  it('has 16 ops in difflogic order, each with the truth table DESIGN.md gives', () => {
    expect(OP_NAMES).toHaveLength(16);
    OP_NAMES.forEach((name, op) => {
      expect(truthTable(op)).toEqual(TABLE[name]);
      expect(opFromTable(TABLE[name])).toBe(op);
    });
  });

  it('evaluates every op bit-parallel exactly as bit by bit, on all four input pairs', () => {
    // word a = 0b1100, b = 0b1010 puts the pairs (A,B) = 11, 10, 01, 00 at bits 3..0.
    for (let op = 0; op < 16; op++) {
      const w = opWord(op, 0b1100, 0b1010) & 0xf;
      for (let bit = 0; bit < 4; bit++) {
        const a = (0b1100 >> bit) & 1;
        const b = (0b1010 >> bit) & 1;
        expect((w >> bit) & 1).toBe(opBit(op, a, b));
      }
    }
  });

  it('gives the relaxations of DESIGN.md: exact on {0,1} and the published formulas inside', () => {
    const formulas: ((a: number, b: number) => number)[] = [
      () => 0, (a, b) => a * b, (a, b) => a - a * b, (a) => a, (a, b) => b - a * b, (_, b) => b,
      (a, b) => a + b - 2 * a * b, (a, b) => a + b - a * b, (a, b) => 1 - (a + b - a * b),
      (a, b) => 1 - (a + b - 2 * a * b), (_, b) => 1 - b, (a, b) => 1 - b + a * b, (a) => 1 - a,
      (a, b) => 1 - a + a * b, (a, b) => 1 - a * b, () => 1,
    ];
    for (let op = 0; op < 16; op++) {
      const [c1, ca, cb, cab] = relaxation(op);
      for (const [a, b] of [[0, 0], [0, 1], [1, 0], [1, 1], [0.3, 0.8], [0.5, 0.5]]) {
        expect(c1 + ca * a + cb * b + cab * a * b).toBeCloseTo(formulas[op](a, b), 12);
      }
    }
  });

  it('knows which inputs each op reads', () => {
    expect(opSupport(0)).toBe(0);
    expect(opSupport(15)).toBe(0);
    expect(opSupport(3)).toBe(1);
    expect(opSupport(12)).toBe(1);
    expect(opSupport(5)).toBe(2);
    expect(opSupport(10)).toBe(2);
    for (const op of [1, 2, 4, 6, 7, 8, 9, 11, 13, 14]) expect(opSupport(op)).toBe(3);
  });
});
