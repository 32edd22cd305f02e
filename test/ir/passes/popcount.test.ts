import { describe, expect, it } from 'vitest';
import { evaluateNetlist } from '../../../src/netlist/evaluate.js';
import { randomNetlist } from '../../../src/netlist/random.js';
import { exhaustiveVectors, randomVectors } from '../../../src/netlist/vectors.js';
import { evaluateIr } from '../../../src/ir/evaluate.js';
import { irFromNetlist } from '../../../src/ir/from-netlist.js';
import { depth, FALSE, inputLit, IrBuilder, scoreWidth, TRUE } from '../../../src/ir/ir.js';
import { popcount } from '../../../src/ir/passes/popcount.js';
import { checkPassPreservesSemantics } from './property.js';

describe('popcount', () => {
  it('preserves scores and class on random netlists and random IRs', () => checkPassPreservesSemantics(popcount));

  it('counts every block size 1..40 exactly, on every input vector up to 10 inputs', () => {
    for (let M = 1; M <= 40; M++) {
      const inputs = Math.min(M, 10);
      const b = new IrBuilder(inputs);
      const outs = Int32Array.from({ length: 2 * M }, (_, j) => inputLit(j % inputs) ^ (j >= M ? 1 : 0));
      const ir = b.finish({ name: 'p', inputs, classes: 2, outputsPerClass: M }, { outputs: outs, scores: null, classId: null });
      const x = exhaustiveVectors(inputs);
      const r = popcount.run(ir);
      expect(r.ir.scores!.length).toBe(2 * scoreWidth(M));
      expect(evaluateIr(r.ir, x).scores).toEqual(evaluateIr(ir, x).scores);
    }
  });

  it('folds constant outputs in: FALSE bits cost nothing, TRUE bits become a constant addend', () => {
    const b = new IrBuilder(1);
    const outs = Int32Array.from([TRUE, TRUE, TRUE, FALSE, FALSE, inputLit(0)]);
    const ir = b.finish({ name: 'c', inputs: 1, classes: 1, outputsPerClass: 6 }, { outputs: outs, scores: null, classId: null });
    const r = popcount.run(ir);
    expect(Array.from(evaluateIr(r.ir, exhaustiveVectors(1)).scores)).toEqual([3, 4]);
    // 3 ones + x: one half adder on bit 0 (x + 1), then the carry and the constant 1 at bit 1.
    expect(r.stats.fullAdders).toBe(0);
    expect(r.stats.halfAdders).toBeLessThanOrEqual(2);
  });

  it('folds repeats and complements: x, x, x, NOT x, y, NOT y, NOT y count as 2 + 2x + NOT y', () => {
    const b = new IrBuilder(2);
    const x = inputLit(0), y = inputLit(1);
    const outs = Int32Array.from([x, x, x, x ^ 1, y, y ^ 1, y ^ 1]);
    const ir = b.finish({ name: 'r', inputs: 2, classes: 1, outputsPerClass: 7 }, { outputs: outs, scores: null, classId: null });
    const r = popcount.run(ir);
    const v = exhaustiveVectors(2);
    expect(evaluateIr(r.ir, v).scores).toEqual(evaluateIr(ir, v).scores);
    // Bit 0 holds only NOT y; bit 1 holds x and the constant 1 (one half adder, by const-fold
    // later a wire): far fewer adders than the 7-bit tree (3 full + 1 half adders).
    expect(r.stats.fullAdders).toBe(0);
    expect(r.stats.halfAdders).toBeLessThanOrEqual(2);
  });

  it('builds a balanced tree: depth grows with log M, adders with M', () => {
    const net = randomNetlist({ inputs: 64, widths: [2048], classes: 2, seed: 1 });
    const r = popcount.run(irFromNetlist(net));
    // M = 1024 bits per class: M − (number of score bits) full/half adders reduce them.
    expect(r.stats.fullAdders + r.stats.halfAdders).toBeLessThan(2 * 1024);
    expect(depth(r.ir)).toBeLessThan(1 + 3 * 2 * Math.log2(1024) + 2 * 11);
    const x = randomVectors(64, 64, 2);
    expect(evaluateIr(r.ir, x).scores).toEqual(evaluateNetlist(net, x).scores);
  });
});
