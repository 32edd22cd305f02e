import { describe, expect, it } from 'vitest';
import { exhaustiveVectors } from '../../../src/netlist/vectors.js';
import { evaluateIr } from '../../../src/ir/evaluate.js';
import { FALSE, inputLit, IrBuilder, TRUE } from '../../../src/ir/ir.js';
import { constFold } from '../../../src/ir/passes/const-fold.js';
import { checkPassPreservesSemantics } from './property.js';

/** A one-class IR whose outputs are the given gates (built by `build`). */
function ir(inputs: number, build: (b: IrBuilder) => number[]) {
  const b = new IrBuilder(inputs);
  const outs = build(b);
  return b.finish({ name: 't', inputs, classes: 1, outputsPerClass: outs.length }, { outputs: Int32Array.from(outs), scores: null, classId: null });
}

describe('const-fold', () => {
  it('preserves scores and class on random netlists and random IRs', () => checkPassPreservesSemantics(constFold));

  it('folds FALSE/TRUE ops, constant inputs and a == b gates to literals', () => {
    const x = inputLit(0), y = inputLit(1);
    const r = constFold.run(ir(2, (b) => [
      b.add(0, x, y),        // FALSE → 0
      b.add(15, x, y),       // TRUE → 1
      b.add(6, x, x),        // XOR(x, x) → 0
      b.add(1, x, x),        // AND(x, x) → x
      b.add(14, x, x),       // NAND(x, x) → NOT x
      b.add(6, x, x ^ 1),    // XOR(x, NOT x) → 1
      b.add(1, x, TRUE),     // AND(x, 1) → x
      b.add(7, FALSE, y),    // OR(0, y) → y
      b.add(2, TRUE, y),     // 1 AND NOT y → NOT y
      b.add(6, TRUE, TRUE),  // XOR(1, 1) → 0
      b.add(1, x, y),        // AND(x, y) stays a gate
    ]));
    expect(Array.from(r.ir.outputs!)).toEqual([FALSE, TRUE, FALSE, x, x ^ 1, TRUE, x, y, y ^ 1, FALSE, 2 * (1 + 2)]);
    expect(r.ir.gates).toBe(1);
    expect(r.stats.removed).toBe(10);
  });

  it('propagates: a gate fed by folded constants folds too, in the same sweep', () => {
    const x = inputLit(0);
    const before = ir(1, (b) => {
      const zero = b.add(6, x, x);
      const one = b.add(8, zero, zero); // NOR(0, 0) = 1
      return [b.add(1, one, x)];        // AND(1, x) = x
    });
    const r = constFold.run(before);
    expect(r.ir.gates).toBe(0);
    expect(Array.from(r.ir.outputs!)).toEqual([x]);
    const v = exhaustiveVectors(1);
    expect(evaluateIr(r.ir, v).scores).toEqual(evaluateIr(before, v).scores);
  });
});
