import { describe, expect, it } from 'vitest';
import { irFromNetlist } from '../../../src/ir/from-netlist.js';
import { firstGateNode, sinkLits } from '../../../src/ir/ir.js';
import { deadGates } from '../../../src/ir/passes/dead-gates.js';
import { randomTestNetlist } from '../helpers.js';
import { checkPassPreservesSemantics } from './property.js';

describe('dead-gates', () => {
  it('preserves scores and class on random netlists and random IRs', () => checkPassPreservesSemantics(deadGates));

  it('leaves only gates that reach an output, and removes exactly the others', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const before = irFromNetlist(randomTestNetlist(seed));
      const r = deadGates.run(before);
      const ir = r.ir, first = firstGateNode(ir);
      const used = new Uint8Array(first + ir.gates);
      for (const s of sinkLits(ir)) for (const l of s) used[l >>> 1] = 1;
      for (let g = ir.gates - 1; g >= 0; g--) {
        expect(used[first + g]).toBe(1);
        used[ir.a[g] >>> 1] = 1;
        used[ir.b[g] >>> 1] = 1;
      }
      expect(r.stats.removed).toBe(before.gates - ir.gates);
      // A second run finds nothing more.
      expect(deadGates.run(ir).ir.gates).toBe(ir.gates);
    }
  });
});
