// The carry-chain datapath (Group-Sum + argmax built by lgnc for the hardware) against the
// reference evaluator: random netlists (1..50 classes, constants, a == b gates) and random
// IRs (inverted and duplicated outputs, constants), with and without the last layer fused in.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { verifyBuild } from '../../src/flow/verify.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
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
          for (const form of ['csa', 'ripple'] as const) {
            for (const am of ['tree', 'scan'] as const) {
              const a = buildArith(network.outputs!, net.output.classes, (l) => levels[l >>> 1], fuse ? fusable(network) : undefined, form, am);
              expect(() => selfCheckArith(net, network, a, 512, seed), `seed ${seed} opt ${doOpt} fuse ${fuse} ${form} ${am}`).not.toThrow();
            }
          }
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

  it('ripple form: a quarter of the bits through full adders, then adds that each take a count bit as carry-in', () => {
    const net = randomNetlist({ inputs: 60, widths: [200, 10 * 80], classes: 10, seed: 3 });
    const { network } = optimize(irFromNetlist(net));
    const levels = nodeLevels(network);
    const a = buildArith(network.outputs!, 10, (l) => levels[l >>> 1], undefined, 'ripple');
    const fas = a.ops.filter((o) => o.kind === 'fa').length;
    const adds = a.ops.filter((o) => o.kind === 'add') as Extract<(typeof a.ops)[number], { kind: 'add' }>[];
    // Per class: F = floor((bits + 1) / 4) full adders; every add but at most one per class has a carry-in.
    expect(fas).toBeGreaterThanOrEqual(10 * 15);
    expect(fas).toBeLessThanOrEqual(10 * 20);
    expect(adds.filter((o) => o.ci === undefined).length).toBeLessThanOrEqual(10);
    expect(adds.length).toBeGreaterThan(10);
    expect(arithStats(a).comparators).toBe(9);
    selfCheckArith(net, network, a, 4096, 9);
  });
});

describe('scan argmax', () => {
  it('drops the classes below the maximum bit by bit: no comparators or muxes, ties to the lowest class', () => {
    const net = randomNetlist({ inputs: 60, widths: [200, 10 * 80], classes: 10, seed: 3 });
    const { network } = optimize(irFromNetlist(net));
    const levels = nodeLevels(network);
    const tree = buildArith(network.outputs!, 10, (l) => levels[l >>> 1], undefined, 'ripple', 'tree');
    const scan = buildArith(network.outputs!, 10, (l) => levels[l >>> 1], undefined, 'ripple', 'scan');
    const s = arithStats(scan);
    expect([s.comparators, s.muxBits, s.argmax]).toEqual([0, 0, 'scan']);
    // 7 score bits × (10 ANDs, 9 ORs, 10 updates of two gates) + the lowest-index pick, at most.
    expect(s.argmaxGates).toBeGreaterThan(7 * 10);
    expect(s.argmaxGates).toBeLessThanOrEqual(7 * 39 + 40);
    // The popcount is the same datapath either way.
    expect(scan.ops.slice(0, scan.popcountOps)).toEqual(tree.ops.slice(0, tree.popcountOps));
    selfCheckArith(net, network, scan, 4096, 9);
    // Ties, often: class c has 40 + 4·p[c] outputs constant TRUE and the rest wires of the
    // layer before, so equal p tie whenever their few live outputs agree.
    for (const p of [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 2, 3, 9, 5, 6, 9, 8, 4]]) {
      const live = (i: number) => i % 80 >= 40 + 4 * p[Math.floor(i / 80)];
      const last = { a: Array.from({ length: 800 }, (_, i) => i % 7), b: new Array(800).fill(0), op: Array.from({ length: 800 }, (_, i) => (live(i) ? 3 : 15)) };
      const tied = { ...net, layers: [...net.layers.slice(0, -1), last] };
      const n2 = optimize(irFromNetlist(tied)).network;
      const lv2 = nodeLevels(n2);
      selfCheckArith(tied, n2, buildArith(n2.outputs!, 10, (l) => lv2[l >>> 1], undefined, 'ripple', 'scan'), 1024, 4);
    }
  });
});

describe.skipIf(spawnSync('verilator', ['--version']).status !== 0)('ripple form under Verilator', () => {
  const work = mkdtempSync(join(tmpdir(), 'lgnc-ripple-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('the emitted core (one kept module per adder width) equals the reference evaluator', async () => {
    const model = join(work, 'net.json');
    saveNetlist(model, randomNetlist({ inputs: 64, widths: [160, 6 * 30], classes: 6, seed: 12, name: 'ripple_net' }));
    const m = compileToDir(model, join(work, 'b'), { arith: 'ripple' });
    expect(m.arith).toBe('ripple');
    const v = readFileSync(join(work, 'b', m.verilog), 'utf8');
    expect(v).toMatch(/\(\* keep_hierarchy \*\)\nmodule ripple_net_add\d+_\d+ \(/);
    expect(v).not.toMatch(/ > /);  // comparators are LUT logic
    const r = await verifyBuild({ build: join(work, 'b'), count: 3000 });
    expect(r.checks[0].mismatches).toBe(0);
    expect(r.ok).toBe(true);
  }, 300_000);

  it('with the scan argmax too', async () => {
    const model = join(work, 'scan.json');
    saveNetlist(model, randomNetlist({ inputs: 64, widths: [160, 6 * 30], classes: 6, seed: 13, name: 'scan_net' }));
    const m = compileToDir(model, join(work, 's'), { arith: 'ripple', argmax: 'scan' });
    expect(m.stats.arith?.argmax).toBe('scan');
    const r = await verifyBuild({ build: join(work, 's'), count: 3000 });
    expect(r.checks[0].mismatches).toBe(0);
    expect(r.ok).toBe(true);
  }, 300_000);
});
