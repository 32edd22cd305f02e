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
