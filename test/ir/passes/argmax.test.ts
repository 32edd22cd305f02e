import { describe, expect, it } from 'vitest';
import { allocSlices, setBit } from '../../../src/netlist/evaluate.js';
import { evaluateIr } from '../../../src/ir/evaluate.js';
import { classWidth, inputLit, IrBuilder, scoreWidth } from '../../../src/ir/ir.js';
import { argmax } from '../../../src/ir/passes/argmax.js';
import { checkPassPreservesSemantics } from './property.js';

/** An IR whose class c score is the number formed by input bits [c*W, (c+1)*W). */
function scoresFromInputs(K: number, W: number) {
  const inputs = K * W;
  const b = new IrBuilder(inputs);
  const scores = Int32Array.from({ length: K * W }, (_, i) => inputLit(i));
  return b.finish({ name: 'a', inputs, classes: K, outputsPerClass: 2 ** W - 1 }, { outputs: null, scores, classId: null });
}

describe('argmax', () => {
  it('preserves scores and class on random netlists and random IRs', () => checkPassPreservesSemantics(argmax));

  it('picks the highest score, ties to the lowest class, for 1..12 classes and all-equal, all-zero and random scores', () => {
    for (let K = 1; K <= 12; K++) {
      const W = 3;
      const ir = argmax.run(scoresFromInputs(K, W)).ir;
      expect(ir.classId!.length).toBe(classWidth(K));
      expect(scoreWidth(ir.outputsPerClass)).toBe(W);
      // Sample 0: all zero; 1: all 7; 2: only the last class is max; 3..: pseudo-random.
      const count = 40;
      const x = allocSlices(K * W, count);
      const want: number[] = [];
      let seed = K;
      for (let s = 0; s < count; s++) {
        const sc = Array.from({ length: K }, (_, c) => {
          if (s === 0) return 0;
          if (s === 1) return 7;
          if (s === 2) return c === K - 1 ? 5 : 4;
          seed = (seed * 1103515245 + 12345) >>> 0;
          return (seed >>> 16) % 4 + (s % 2) * 4; // few distinct values: many ties
        });
        sc.forEach((v, c) => { for (let j = 0; j < W; j++) setBit(x, c * W + j, s, (v >> j) & 1); });
        want.push(sc.indexOf(Math.max(...sc)));
      }
      expect(Array.from(evaluateIr(ir, x).predictions)).toEqual(want);
    }
  });
});
