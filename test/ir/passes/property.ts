// The invariant every pass states: for any IR, the pass's output computes the same scores and
// class for every input vector. Checked on random netlists (before and after lowering) and on
// random IRs with inverted edges and constants, against the reference evaluators.

import { evaluateNetlist } from '../../../src/netlist/evaluate.js';
import { randomVectors } from '../../../src/netlist/vectors.js';
import { evaluateIr } from '../../../src/ir/evaluate.js';
import { irFromNetlist } from '../../../src/ir/from-netlist.js';
import { argmax } from '../../../src/ir/passes/argmax.js';
import type { Pass } from '../../../src/ir/passes/pass.js';
import { popcount } from '../../../src/ir/passes/popcount.js';
import { expectSame, randomTestIr, randomTestNetlist } from '../helpers.js';

export function checkPassPreservesSemantics(pass: Pass, nets = 150, irs = 150): void {
  for (let seed = 1; seed <= nets; seed++) {
    const net = randomTestNetlist(seed);
    const x = randomVectors(net.inputs, 80, seed);
    const want = evaluateNetlist(net, x);
    const ir = irFromNetlist(net);
    // On the network as built, and (for cleanup passes) on the lowered, unoptimized design.
    if (pass !== argmax) expectSame(evaluateIr(pass.run(ir).ir, x), want, `${pass.name} on netlist ${seed}`);
    if (pass !== popcount) {
      const lowered = pass === argmax ? popcount.run(ir).ir : argmax.run(popcount.run(ir).ir).ir;
      expectSame(evaluateIr(pass.run(lowered).ir, x), want, `${pass.name} on lowered netlist ${seed}`);
    }
  }
  for (let seed = 1; seed <= irs; seed++) {
    let ir = randomTestIr(seed);
    if (pass === argmax) ir = popcount.run(ir).ir;
    const x = randomVectors(ir.inputs, 64, seed);
    expectSame(evaluateIr(pass.run(ir).ir, x), evaluateIr(ir, x), `${pass.name} on random IR ${seed}`);
  }
}
