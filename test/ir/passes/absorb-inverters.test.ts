import { describe, expect, it } from 'vitest';
import { inputLit, IrBuilder } from '../../../src/ir/ir.js';
import { absorbInverters } from '../../../src/ir/passes/absorb-inverters.js';
import { irFromNetlist } from '../../../src/ir/from-netlist.js';
import { randomTestNetlist } from '../helpers.js';
import { checkPassPreservesSemantics } from './property.js';

describe('absorb-inverters', () => {
  it('preserves scores and class on random netlists and random IRs', () => checkPassPreservesSemantics(absorbInverters));

  it('turns A/B/NOT gates into wires, cancels double inversion, pushes inversions into consumers', () => {
    const x = inputLit(0), y = inputLit(1);
    const b = new IrBuilder(2);
    const notX = b.add(12, x, y);          // NOT A → ~x
    const notNotX = b.add(10, y, notX);    // NOT B of ~x → x
    const passY = b.add(5, notX, y);       // B → y
    const nand = b.add(14, notX, passY);   // NAND(~x, y) → gate OR(x, ~y)… stored as its complement
    const out = b.add(1, nand, notNotX);   // AND(nand, x)
    const before = b.finish({ name: 't', inputs: 2, classes: 1, outputsPerClass: 3 }, { outputs: Int32Array.from([notNotX, passY, out]), scores: null, classId: null });
    const r = absorbInverters.run(before);
    expect(r.ir.outputs![0]).toBe(x);
    expect(r.ir.outputs![1]).toBe(y);
    expect(r.ir.gates).toBe(2);
    for (let g = 0; g < r.ir.gates; g++) {
      expect(r.ir.a[g] & 1).toBe(0);       // no inverted gate input survives
      expect(r.ir.b[g] & 1).toBe(0);
      expect(r.ir.op[g] & 8).toBe(0);      // every op is 0 on input 00
    }
  });

  it('leaves no inverter gate and no inverted gate input in random netlists', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const r = absorbInverters.run(irFromNetlist(randomTestNetlist(seed))).ir;
      for (let g = 0; g < r.gates; g++) {
        expect([3, 5, 10, 12, 0, 15]).not.toContain(r.op[g]);
        expect((r.a[g] | r.b[g]) & 1).toBe(0);
      }
    }
  });
});
