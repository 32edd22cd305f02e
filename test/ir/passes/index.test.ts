import { describe, expect, it } from 'vitest';
import { evaluateNetlist } from '../../../src/netlist/evaluate.js';
import { loadNetlist } from '../../../src/netlist/netlist.js';
import { randomNetlist } from '../../../src/netlist/random.js';
import { exhaustiveVectors, randomVectors } from '../../../src/netlist/vectors.js';
import { evaluateIr } from '../../../src/ir/evaluate.js';
import { irFromNetlist } from '../../../src/ir/from-netlist.js';
import { sameIr } from '../../../src/ir/ir.js';
import { ALL_PASSES, CLEANUP_PASSES, optimize } from '../../../src/ir/passes/index.js';
import { fixture } from '../../helpers/cli.js';
import { expectSame, FIXTURES, randomTestNetlist } from '../helpers.js';

describe('optimizer (passes to a fixed point, then lowering, then again)', () => {
  it('300 random netlists (constants, a == b, 1..50 classes): optimized IR = netlist on random vectors', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const net = randomTestNetlist(seed);
      const x = randomVectors(net.inputs, 100, seed);
      const want = evaluateNetlist(net, x);
      const opt = optimize(irFromNetlist(net));
      expectSame(evaluateIr(opt.ir, x), want, `optimized netlist ${seed}`);
      expectSame(evaluateIr(optimize(irFromNetlist(net), { optimize: false }).ir, x), want, `unoptimized netlist ${seed}`);
    }
  });

  it.each(FIXTURES)('%s: optimized and unoptimized designs equal the netlist on every input vector', (name) => {
    const net = loadNetlist(fixture(`${name}.json`));
    const x = exhaustiveVectors(net.inputs);
    const want = evaluateNetlist(net, x);
    expectSame(evaluateIr(optimize(irFromNetlist(net)).ir, x), want, name);
    expectSame(evaluateIr(optimize(irFromNetlist(net), { optimize: false }).ir, x), want, `${name} --no-opt`);
  });

  it('reaches a fixed point: no cleanup pass changes the result, and it never has more gates than --no-opt', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const net = randomTestNetlist(seed);
      const opt = optimize(irFromNetlist(net));
      for (const pass of CLEANUP_PASSES) expect(sameIr(pass.run(opt.ir).ir, opt.ir)).toBe(true);
      expect(opt.ir.gates).toBeLessThanOrEqual(optimize(irFromNetlist(net), { optimize: false }).ir.gates);
    }
  });

  it('--no-opt keeps every netlist gate; optimization removes a large share of a random network', () => {
    const net = randomNetlist({ inputs: 100, widths: [400, 400, 400], classes: 4, seed: 9 });
    const raw = optimize(irFromNetlist(net), { optimize: false });
    expect(raw.ir.region.filter((r) => r === 0).length).toBe(1200);
    expect(raw.runs.map((r) => r.pass)).toEqual(['popcount', 'argmax']);
    const opt = optimize(irFromNetlist(net));
    const network = opt.ir.region.filter((r) => r === 0).length;
    expect(network).toBeLessThan(1200 * 0.75);
    // Every pass reported gates before/after consistently.
    for (const r of opt.runs) expect(r.after).toBe(r.before - r.removed + r.added);
    expect(new Set(opt.runs.map((r) => r.pass))).toEqual(new Set(ALL_PASSES.map((p) => p.name)));
  });
});
