import { describe, expect, it } from 'vitest';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { exhaustiveVectors, randomVectors } from '../../src/netlist/vectors.js';
import { evaluateIr } from '../../src/ir/evaluate.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
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
