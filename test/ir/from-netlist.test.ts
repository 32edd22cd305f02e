import { describe, expect, it } from 'vitest';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist, type ConvLayer, type NetlistV2 } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { exhaustiveVectors, randomVectors } from '../../src/netlist/vectors.js';
import { evaluateIr } from '../../src/ir/evaluate.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { optimize } from '../../src/ir/passes/index.js';
import { classWidth, nodeLevels, scoreWidth } from '../../src/ir/ir.js';
import { fixture } from '../helpers/cli.js';

import { FIXTURES } from './helpers.js';

describe('IR builder and IR evaluator', () => {
  it.each(FIXTURES)('%s: the IR computes what the netlist computes, on every input vector', (name) => {
    const net = loadNetlist(fixture(`${name}.json`));
    const x = exhaustiveVectors(net.inputs);
    const want = evaluateNetlist(net, x);
    const got = evaluateIr(irFromNetlist(net), x);
    expect(got.scores).toEqual(want.scores);
    expect(got.predictions).toEqual(want.predictions);
  });

  it('keeps one gate per netlist gate, in layer order, reading only earlier nodes', () => {
    const net = randomNetlist({ inputs: 9, widths: [12, 8, 6], classes: 3, seed: 7 });
    const ir = irFromNetlist(net);
    expect(ir.gates).toBe(26);
    for (let g = 0; g < ir.gates; g++) {
      expect(ir.a[g] >>> 1).toBeLessThan(1 + ir.inputs + g);
      expect(ir.b[g] >>> 1).toBeLessThan(1 + ir.inputs + g);
    }
    expect(Math.max(...nodeLevels(ir))).toBe(3);
  });

  it('matches the netlist evaluator on random netlists and random vectors (sample counts not a multiple of 32)', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const classes = 1 + (seed % 7);
      const net = randomNetlist({ inputs: 5 + seed, widths: [30, 20, classes * (1 + (seed % 5))], classes, seed, sameInputRate: 0.2 });
      const x = randomVectors(net.inputs, 77, seed);
      const want = evaluateNetlist(net, x);
      const got = evaluateIr(irFromNetlist(net), x);
      expect(got.scores).toEqual(want.scores);
      expect(got.predictions).toEqual(want.predictions);
    }
  });

  it('score and class widths follow the interface: W = ceil(log2(M+1)), CW = max(1, ceil(log2 K))', () => {
    expect([1, 2, 3, 4, 7, 8, 800].map(scoreWidth)).toEqual([1, 2, 2, 3, 3, 4, 10]);
    expect([1, 2, 3, 4, 5, 10, 16, 17].map(classWidth)).toEqual([1, 1, 2, 2, 3, 4, 4, 5]);
  });
});

describe('IR from a v2 (conv) netlist', () => {
  // 1 × 4 × 4 input, 3 × 3 field, padding 1: 2 kernels × 16 positions × 3 gates unrolled.
  const conv = (second: { leaves: [number, number, number][]; op: number[] }): NetlistV2 => ({
    format: 'lgn-netlist', version: 2, name: 'twins', inputs: 16,
    layers: [{
      kind: 'conv', input: [1, 4, 4], receptiveField: [3, 3], stride: 1, padding: 1, kernels: 2, depth: 2,
      leaves: [[[0, 0, 0], [0, 1, 1], [0, 2, 2], [0, 0, 2]], second.leaves], op: [[6, 1, 7], second.op],
    }],
    output: { kind: 'groupsum', classes: 2 },
  });

  it('keeps where each gate came from: the conv layer, its shape, its gate range', () => {
    const ir = irFromNetlist(conv({ leaves: [[0, 1, 0], [0, 2, 1], [0, 0, 1], [0, 1, 2]], op: [9, 14, 6] }));
    expect(ir.gates).toBe(2 * 16 * 3);
    expect(ir.origin).toEqual([{ layer: 0, kind: 'conv', firstGate: 0, gates: 96, shape: [2, 4, 4], conv: { kernels: 2, depth: 2, receptiveField: [3, 3], stride: 1, padding: 1 } }]);
  });

  it('strash merges shared subtrees: a second, identical kernel adds no network gates', () => {
    const networkGates = (net: NetlistV2) => optimize(irFromNetlist(net)).runs.filter((r) => r.phase === 'network').pop()!.after;
    const twin = conv({ leaves: [[0, 0, 0], [0, 1, 1], [0, 2, 2], [0, 0, 2]], op: [6, 1, 7] });
    const single: NetlistV2 = { ...twin, layers: [{ ...(twin.layers[0] as ConvLayer), kernels: 1, leaves: [(twin.layers[0] as ConvLayer).leaves[0]], op: [[6, 1, 7]] }], output: { kind: 'groupsum', classes: 1 } };
    expect(networkGates(single)).toBeGreaterThan(16);
    expect(networkGates(twin)).toBe(networkGates(single));
    // A kernel that repeats only kernel 0's left subtree (XOR of leaves (0,0), (1,1)) shares
    // those gates; with AND there it shares nothing (trees slid by a position match as well,
    // so "nothing" must be a different function, not just other leaves).
    const half = conv({ leaves: [[0, 0, 0], [0, 1, 1], [0, 2, 0], [0, 1, 2]], op: [6, 14, 9] });
    const none = conv({ leaves: [[0, 0, 0], [0, 1, 1], [0, 2, 0], [0, 1, 2]], op: [1, 14, 9] });
    expect(networkGates(half)).toBeLessThan(networkGates(none));
    const x = exhaustiveVectors(16);
    for (const net of [twin, half]) expect(evaluateIr(optimize(irFromNetlist(net)).ir, x).scores).toEqual(evaluateNetlist(net, x).scores);
  });
});
