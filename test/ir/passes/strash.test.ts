import { describe, expect, it } from 'vitest';
import { inputLit, IrBuilder } from '../../../src/ir/ir.js';
import { strash } from '../../../src/ir/passes/strash.js';
import { checkPassPreservesSemantics } from './property.js';

describe('strash', () => {
  it('preserves scores and class on random netlists and random IRs', () => checkPassPreservesSemantics(strash));

  it('merges duplicates, commuted forms and complements into one gate', () => {
    const x = inputLit(0), y = inputLit(1);
    const b = new IrBuilder(2);
    const and = b.add(1, x, y);
    const outs = [
      and,
      b.add(1, y, x),          // AND(y, x)
      b.add(14, x, y),         // NAND(x, y) = NOT AND(x, y)
      b.add(4, x ^ 1, y),      // NOT(NOT x) AND y = AND(x, y)
      b.add(2, y, x ^ 1),      // y AND NOT(NOT x)
      b.add(6, x, y),          // XOR stays separate
      b.add(9, y, x),          // XNOR(y, x) = NOT XOR(x, y)
    ];
    const ir = b.finish({ name: 't', inputs: 2, classes: 1, outputsPerClass: outs.length }, { outputs: Int32Array.from(outs), scores: null, classId: null });
    const r = strash.run(ir);
    expect(r.ir.gates).toBe(2);
    const o = Array.from(r.ir.outputs!);
    expect(o.slice(0, 5)).toEqual([o[0], o[0], o[0] ^ 1, o[0], o[0]]);
    expect(o[6]).toBe(o[5] ^ 1);
    expect(r.stats.removed).toBe(5);
  });
});
