import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateNetlist, getBit, sliceBits } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { exhaustiveVectors, mulberry32, randomVectors } from '../../src/netlist/vectors.js';
import { fixture } from '../helpers/cli.js';
import { scalarEval } from '../helpers/scalar.js';

const FIXTURES = ['xor', 'full-adder', 'majority3', 'all-ops', 'all-ops-deep', 'same-input', 'thresholds'];

function bitsOf(s: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (s >> i) & 1);
}

describe('reference evaluator', () => {
  it.each(FIXTURES)('%s: equals the scalar evaluator on every input vector', (name) => {
    const net = loadNetlist(fixture(`${name}.json`));
    const x = exhaustiveVectors(net.inputs);
    const r = evaluateNetlist(net, x);
    for (let s = 0; s < x.count; s++) {
      const want = scalarEval(net, bitsOf(s, net.inputs));
      expect(Array.from(r.scores.subarray(s * r.classes, (s + 1) * r.classes))).toEqual(want.scores);
      expect(r.predictions[s]).toBe(want.cls);
    }
  });

  it('computes the known truth tables of the hand-made fixtures', () => {
    const run = (name: string) => evaluateNetlist(loadNetlist(fixture(`${name}.json`)), exhaustiveVectors(loadNetlist(fixture(`${name}.json`)).inputs));
    // xor: class 0 when inputs differ (vector index s has x0 = bit 0, x1 = bit 1).
    expect(Array.from(run('xor').predictions)).toEqual([1, 0, 0, 1]);
    // full adder: scores = [sum, carry] of x0 + x1 + x2.
    const fa = run('full-adder');
    for (let s = 0; s < 8; s++) {
      const total = (s & 1) + ((s >> 1) & 1) + ((s >> 2) & 1);
      expect([fa.scores[2 * s], fa.scores[2 * s + 1]]).toEqual([total & 1, total >> 1]);
    }
    // majority: class 0 when two or more inputs are 1.
    const maj = run('majority3');
    for (let s = 0; s < 8; s++) {
      const ones = (s & 1) + ((s >> 1) & 1) + ((s >> 2) & 1);
      expect(maj.predictions[s]).toBe(ones >= 2 ? 0 : 1);
    }
    // all-ops: the 16 scores of vector (x0, x1) are the gate table's column for A = x0, B = x1.
    const ops = run('all-ops');
    for (let s = 0; s < 4; s++) {
      const A = s & 1, B = (s >> 1) & 1;
      for (let op = 0; op < 16; op++) expect(ops.scores[16 * s + op]).toBe((op >> (3 - (2 * A + B))) & 1);
    }
    // same-input: XOR(x,x) = 0, AND(x,x) = x, NAND(x,x) = NOT x hold in layer 0.
    const same = run('same-input');
    expect(same.count).toBe(32);
  });

  it('breaks ties toward the lowest class index', () => {
    // all-ops on (0,0): ops 8..15 output 1 and tie at score 1; the first is class 8.
    const net = loadNetlist(fixture('all-ops.json'));
    const r = evaluateNetlist(net, exhaustiveVectors(2));
    expect(r.predictions[0]).toBe(8);
    // xor with both classes 0 is impossible, so build a tie: every class scores 0 → class 0.
    const allFalse = { ...net, layers: [{ ...net.layers[0], op: net.layers[0].op.map(() => 0) }] };
    expect(Array.from(evaluateNetlist(allFalse, exhaustiveVectors(2)).predictions)).toEqual([0, 0, 0, 0]);
  });

  it('equals the scalar evaluator on random netlists (1..50 classes, constants, a == b, sample counts not a multiple of 32)', () => {
    const rand = mulberry32(7);
    for (let t = 0; t < 60; t++) {
      const classes = 1 + Math.floor(rand() * 50);
      const per = 1 + Math.floor(rand() * 4);
      const inputs = 1 + Math.floor(rand() * 40);
      const depth = 1 + Math.floor(rand() * 4);
      const widths = Array.from({ length: depth - 1 }, () => 1 + Math.floor(rand() * 60));
      widths.push(classes * per);
      const net = randomNetlist({ inputs, widths, classes, seed: t, sameInputRate: 0.2 });
      const count = 1 + Math.floor(rand() * 100);
      const x = randomVectors(inputs, count, 1000 + t);
      const r = evaluateNetlist(net, x);
      for (let s = 0; s < count; s++) {
        const bits = Array.from({ length: inputs }, (_, i) => getBit(x, i, s));
        const want = scalarEval(net, bits);
        expect(Array.from(r.scores.subarray(s * classes, (s + 1) * classes))).toEqual(want.scores);
        expect(r.predictions[s]).toBe(want.cls);
      }
    }
  });

  it('packs sample-major 0/1 bytes into the same slices as the vector reader', () => {
    const bytes = Uint8Array.from([1, 0, 1, 0, 0, 1, 1, 1, 0]);
    const x = sliceBits(bytes, 3, 3);
    expect([0, 1, 2].map((s) => [0, 1, 2].map((i) => getBit(x, i, s)))).toEqual([[1, 0, 1], [0, 0, 1], [1, 1, 0]]);
  });

  it('rejects vectors of the wrong width', () => {
    const net = JSON.parse(readFileSync(fixture('xor.json'), 'utf8'));
    expect(() => evaluateNetlist(net, randomVectors(3, 4, 1))).toThrow(/expects 2/);
  });
});
