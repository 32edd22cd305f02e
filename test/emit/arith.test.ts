// The carry-chain datapath (Group-Sum + argmax built by lgnc for the hardware) against the
// reference evaluator: random netlists (1..50 classes, constants, a == b gates) and random
// IRs (inverted and duplicated outputs, constants), with and without the last layer fused in.

import { describe, expect, it } from 'vitest';
import { arithStats, buildArith } from '../../src/emit/arith.js';
import { selfCheckArith } from '../../src/emit/build.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { nodeLevels, type Ir } from '../../src/ir/ir.js';
import { optimize } from '../../src/ir/passes/index.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { randomTestNetlist } from '../ir/helpers.js';

/** A fusable-gate finder as compileToDir uses it: gates read by exactly one output. */
function fusable(ir: Ir) {
  const first = 1 + ir.inputs;
  const reads = new Int32Array(first + ir.gates);
  for (let g = 0; g < ir.gates; g++) { reads[ir.a[g] >>> 1]++; reads[ir.b[g] >>> 1]++; }
  for (const l of ir.outputs!) reads[l >>> 1]++;
  return (lit: number) => {
    const n = lit >>> 1;
    if (n < first || reads[n] !== 1) return null;
    const g = n - first;
    if (ir.a[g] & 1 || ir.b[g] & 1) return null;
    return { op: ir.op[g], a: ir.a[g], b: ir.b[g] };
  };
}

describe('carry-chain arithmetic', () => {
  it('scores and class equal the reference evaluator on random netlists, optimized or not, fused or not', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const net = randomTestNetlist(seed);
      for (const doOpt of [true, false]) {
        const { network } = optimize(irFromNetlist(net), { optimize: doOpt });
        const levels = nodeLevels(network);
        for (const fuse of [false, true]) {
          const a = buildArith(network.outputs!, net.output.classes, (l) => levels[l >>> 1], fuse ? fusable(network) : undefined);
          expect(() => selfCheckArith(net, network, a, 512, seed), `seed ${seed} opt ${doOpt} fuse ${fuse}`).not.toThrow();
        }
      }
    }
  });

  it('uses full adders, one add per class and K-1 comparators on a wide Group-Sum; ties go to the lowest class', () => {
    const net = randomNetlist({ inputs: 60, widths: [200, 10 * 80], classes: 10, seed: 3 });
    const { network } = optimize(irFromNetlist(net));
    const levels = nodeLevels(network);
    const a = buildArith(network.outputs!, 10, (l) => levels[l >>> 1], fusable(network));
    const s = arithStats(a);
    expect(s.adds).toBe(10);
    expect(s.comparators).toBe(9);
    expect(s.fusedGates).toBeGreaterThan(0);
    selfCheckArith(net, network, a, 4096, 9);
    // All classes equal (every output the same literal): class 0 must win.
    const same = { ...net, layers: [...net.layers.slice(0, -1), { a: new Array(800).fill(0), b: new Array(800).fill(1), op: new Array(800).fill(6) }] };
    const n2 = optimize(irFromNetlist(same)).network;
    const lv2 = nodeLevels(n2);
    selfCheckArith(same, n2, buildArith(n2.outputs!, 10, (l) => lv2[l >>> 1]), 1024, 4);
  });
});
