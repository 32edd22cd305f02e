// Generators and checks shared by the IR and pass tests.

import { expect } from 'vitest';
import type { BitSlices } from '../../src/netlist/evaluate.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import type { Netlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { mulberry32, randomVectors } from '../../src/netlist/vectors.js';
import { evaluateIr } from '../../src/ir/evaluate.js';
import { IrBuilder, type Ir } from '../../src/ir/ir.js';

export const FIXTURES = ['xor', 'full-adder', 'majority3', 'all-ops', 'all-ops-deep', 'same-input', 'thresholds'];

/** A random netlist: random ops (constants included), random widths, 1..50 classes, many a == b. */
export function randomTestNetlist(seed: number): Netlist {
  const rand = mulberry32(seed * 7919 + 1);
  const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const classes = pick(1, 50);
  const layers = pick(1, 5);
  const widths = Array.from({ length: layers - 1 }, () => pick(1, 80));
  widths.push(classes * pick(1, 6));
  return randomNetlist({ inputs: pick(1, 40), widths, classes, seed, sameInputRate: rand() * 0.3 });
}

/**
 * A random IR that no netlist gives: edges with inversions, constant inputs, gates reading
 * any earlier node, and Group-Sum outputs that are constants, inputs or inverted gates.
 */
export function randomTestIr(seed: number): Ir {
  const rand = mulberry32(seed * 104729 + 3);
  const pick = (n: number) => Math.floor(rand() * n);
  const inputs = 1 + pick(12);
  const gates = 1 + pick(120);
  const b = new IrBuilder(inputs);
  const lit = (nodes: number) => {
    const r = rand();
    if (r < 0.08) return pick(2); // a constant
    return (pick(nodes) << 1) | (rand() < 0.3 ? 1 : 0);
  };
  for (let g = 0; g < gates; g++) {
    const nodes = 1 + inputs + g;
    const a = lit(nodes);
    b.add(pick(16), a, rand() < 0.15 ? a ^ pick(2) : lit(nodes));
  }
  const classes = 1 + pick(7), M = 1 + pick(9);
  const outputs = Int32Array.from({ length: classes * M }, () => lit(1 + inputs + gates));
  return b.finish({ name: `ir${seed}`, inputs, classes, outputsPerClass: M }, { outputs, scores: null, classId: null });
}

/** Asserts equal scores and classes. */
export function expectSame(got: { scores: Int32Array; predictions: Int32Array }, want: { scores: Int32Array; predictions: Int32Array }, what: string): void {
  if (!got.scores.every((v, i) => v === want.scores[i]) || !got.predictions.every((v, i) => v === want.predictions[i])) {
    expect.fail(`${what}: scores/classes differ`);
  }
  expect(got.scores.length).toBe(want.scores.length);
}

export function netlistVectors(net: Netlist, seed: number, count = 96): BitSlices {
  return randomVectors(net.inputs, count, seed);
}

export function expectIrEqualsNetlist(ir: Ir, net: Netlist, x: BitSlices, what: string): void {
  expectSame(evaluateIr(ir, x), evaluateNetlist(net, x), what);
}
