// Netlist v2 as a user relies on it: the bit-parallel evaluator computes what the README
// defines (checked against a scalar reading of the definitions on random conv nets and on a
// hand-made net whose answers are worked out below), `lgnc flatten`'s unrolling predicts
// exactly what the conv model predicts, and both sizes add up.

import { describe, expect, it } from 'vitest';
import { evaluateNetlist, getBit } from '../../src/netlist/evaluate.js';
import { flattenNetlist, unrollNetlist } from '../../src/netlist/flatten.js';
import { formatNetlist, gateCount, layerGateCounts, loadNetlist, parseNetlist, storedGateCount, validateNetlist, type AnyNetlist, type NetlistV2 } from '../../src/netlist/netlist.js';
import { randomConvNetlist } from '../../src/netlist/random.js';
import { summarize } from '../../src/netlist/summary.js';
import { exhaustiveVectors, randomVectors } from '../../src/netlist/vectors.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { evaluateIr } from '../../src/ir/evaluate.js';
import { fixture, lgnc } from '../helpers/cli.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tmpDir = mkdtempSync(join(tmpdir(), 'lgnc-conv-check-'));
const writeTmp = (name: string, net: AnyNetlist) => {
  const p = join(tmpDir, name);
  writeFileSync(p, formatNetlist(net));
  return p;
};
import { scalarEvalV2 } from '../helpers/scalar.js';

const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

function bitsOfVector(x: ReturnType<typeof randomVectors>, s: number): number[] {
  return Array.from({ length: x.rows }, (_, i) => getBit(x, i, s));
}

describe('netlist v2: reference evaluator', () => {
  it.each(SEEDS)('random conv net %i: equals the scalar definition on 64 vectors', (seed) => {
    const net = randomConvNetlist({ seed });
    expect(parseNetlist(formatNetlist(net))).toEqual(net); // valid, and round-trips
    const x = randomVectors(net.inputs, 64, seed);
    const r = evaluateNetlist(net, x);
    for (let s = 0; s < x.count; s++) {
      const want = scalarEvalV2(net, bitsOfVector(x, s));
      expect(Array.from(r.scores.subarray(s * r.classes, (s + 1) * r.classes))).toEqual(want.scores);
      expect(r.predictions[s]).toBe(want.cls);
    }
  });

  it('the random generator covers every layer kind, padding, strides and "from": "all"', () => {
    const nets = SEEDS.map((seed) => randomConvNetlist({ seed }));
    const layers = nets.flatMap((n) => n.layers);
    const kinds = new Set(layers.map((l) => ('kind' in l && l.kind) || 'gates'));
    expect([...kinds].sort()).toEqual(['conv', 'flatten', 'gates', 'orpool']);
    expect(layers.some((l) => l.kind === 'conv' && l.padding > 0)).toBe(true);
    expect(layers.some((l) => l.kind === 'conv' && l.stride > 1)).toBe(true);
    expect(layers.some((l) => l.kind === 'orpool' && l.padding > 0)).toBe(true);
    expect(layers.some((l) => !('kind' in l && l.kind) && 'from' in l && l.from === 'all')).toBe(true);
    expect(nets.some((n) => n.layers[n.layers.length - 1].kind !== undefined)).toBe(true); // Group-Sum over a conv/pool output
  });

  it('a hand-made conv net computes the worked-out answers', () => {
    // Input 1 × 3 × 3 (x[y*3 + x]). Conv: 2 × 2 field, stride 1, padding 1 → 1 kernel × 4 × 4;
    // the kernel is AND(leaf (0,0,0), leaf (0,1,1)), i.e. out(y, x) = in(y−1, x−1) AND in(y, x).
    // OR pool 2 × 2, stride 2 → 1 × 2 × 2; Group-Sum over 2 classes (2 outputs each).
    const net: NetlistV2 = {
      format: 'lgn-netlist', version: 2, name: 'hand', inputs: 9,
      layers: [
        { kind: 'conv', input: [1, 3, 3], receptiveField: [2, 2], stride: 1, padding: 1, kernels: 1, depth: 1, leaves: [[[0, 0, 0], [0, 1, 1]]], op: [[1]] },
        { kind: 'orpool', input: [1, 4, 4], size: 2, stride: 2, padding: 0 },
      ],
      output: { kind: 'groupsum', classes: 2 },
    };
    parseNetlist(formatNetlist(net));
    const x = exhaustiveVectors(9);
    const r = evaluateNetlist(net, x);
    for (let s = 0; s < 512; s++) {
      const at = (y: number, xx: number) => (y < 0 || xx < 0 || y > 2 || xx > 2 ? 0 : (s >> (y * 3 + xx)) & 1);
      const conv = (y: number, xx: number) => at(y - 1, xx - 1) & at(y, xx);
      const pool = (py: number, px: number) => conv(2 * py, 2 * px) | conv(2 * py, 2 * px + 1) | conv(2 * py + 1, 2 * px) | conv(2 * py + 1, 2 * px + 1);
      expect([r.scores[2 * s], r.scores[2 * s + 1]]).toEqual([pool(0, 0) + pool(0, 1), pool(1, 0) + pool(1, 1)]);
    }
    // Sizes: 1 stored gate; unrolled 16 conv gates + 4 windows × 3 OR gates.
    expect(storedGateCount(net)).toBe(1);
    expect(gateCount(net)).toBe(16 + 12);
  });
});

describe('fixtures/conv-tiny.json (hand-made, meta says what it computes)', () => {
  it('computes its description on all 2^16 inputs', () => {
    const net = loadNetlist(fixture('conv-tiny.json')) as NetlistV2;
    const x = exhaustiveVectors(16);
    const r = evaluateNetlist(net, x);
    for (let s = 0; s < x.count; s++) {
      const px = (y: number, xx: number) => (y < 0 || xx < 0 || y > 3 || xx > 3 ? 0 : (s >> (y * 4 + xx)) & 1);
      const k0 = (y: number, xx: number) => (px(y - 1, xx) | px(y, xx)) & (px(y, xx - 1) | px(y, xx + 1));
      const k1 = (y: number, xx: number) => (px(y - 1, xx - 1) ^ px(y + 1, xx + 1)) | (px(y - 1, xx + 1) ^ px(y + 1, xx - 1));
      const pool = (k: typeof k0, py: number, pxx: number) => k(2 * py, 2 * pxx) | k(2 * py, 2 * pxx + 1) | k(2 * py + 1, 2 * pxx) | k(2 * py + 1, 2 * pxx + 1);
      const c0 = (pool(k0, 0, 0) & px(0, 0)) + (pool(k1, 0, 0) ^ px(1, 1));
      const c1 = (pool(k0, 0, 1) | pool(k1, 0, 1)) + (1 - pool(k1, 1, 1));
      expect([r.scores[2 * s], r.scores[2 * s + 1]]).toEqual([c0, c1]);
      expect(r.predictions[s]).toBe(c1 > c0 ? 1 : 0);
    }
    expect(summarize(net).unusedInputs).toBe(0);
  });
});

describe('lgnc flatten: the unrolled netlist', () => {
  it.each(SEEDS)('random conv net %i: predicts exactly what the conv net predicts; sizes add up', (seed) => {
    const net = randomConvNetlist({ seed });
    const flat = flattenNetlist(net);
    expect(parseNetlist(formatNetlist(flat))).toEqual(flat);
    expect(flat.layers.every((l) => !('kind' in l && l.kind) && 'from' in l && l.from === 'all')).toBe(true);
    const flatGates = flat.layers.reduce((s, l) => s + (l as { op: number[] }).op.length, 0);
    expect(flatGates).toBe(gateCount(net));
    expect(gateCount(flat)).toBe(gateCount(net));
    const x = randomVectors(net.inputs, 256, seed + 1000);
    const want = evaluateNetlist(net, x);
    const got = evaluateNetlist(flat, x);
    expect(got.scores).toEqual(want.scores);
    expect(got.predictions).toEqual(want.predictions);
    // The IR (compile's input) too, and its origin covers every gate once, in order.
    const ir = irFromNetlist(net);
    expect(ir.gates).toBe(gateCount(net));
    const e = evaluateIr(ir, x);
    expect(e.scores).toEqual(want.scores);
    expect(e.predictions).toEqual(want.predictions);
    let next = 0;
    ir.origin!.forEach((o, l) => {
      expect(o.layer).toBe(l);
      expect(o.firstGate).toBe(next);
      expect(o.gates).toBe(layerGateCounts(net)[l]);
      next += o.gates;
    });
    expect(next).toBe(ir.gates);
  });

  it('flattening is idempotent in behaviour and deterministic in bytes', () => {
    const net = randomConvNetlist({ seed: 7 });
    const once = flattenNetlist(net);
    expect(formatNetlist(flattenNetlist(net))).toBe(formatNetlist(once));
    const twice = flattenNetlist(once);
    const x = randomVectors(net.inputs, 128, 3);
    expect(evaluateNetlist(twice, x).scores).toEqual(evaluateNetlist(net, x).scores);
    expect(gateCount(twice)).toBe(gateCount(once));
  });

  it('lays a conv layer out level by level, channel-major, so the root level is the conv output', () => {
    const net = randomConvNetlist({ seed: 11, classes: 2 });
    const { netlist, origin } = unrollNetlist(net);
    const conv = net.layers[0];
    if (conv.kind !== 'conv') throw new Error('seed 11 starts with a conv layer');
    const o = origin[0];
    expect(o.kind).toBe('conv');
    const [K, H, W] = o.shape!;
    expect(o.gates).toBe(K * H * W * (2 ** conv.depth - 1));
    // The first unrolled layers are the tree levels: 2^(d−1), …, 1 gates per position.
    for (let lv = 0; lv < conv.depth; lv++) expect((netlist.layers[lv] as { op: number[] }).op.length).toBe(K * H * W * 2 ** (conv.depth - 1 - lv));
  });

  it('check reports both sizes: stored (shared) gates and unrolled gates', () => {
    const net = randomConvNetlist({ seed: 5 });
    const s = summarize(net);
    expect(s.version).toBe(2);
    expect(s.gates).toBe(gateCount(net));
    expect(s.storedGates).toBe(storedGateCount(net));
    expect(s.storedGates).toBeLessThan(s.gates);
    expect(s.layerDetails!.map((d) => d.gates)).toEqual(layerGateCounts(net));
  });
});

describe('netlist v2: sizes that come from shapes are bounded', () => {
  it('a conv layer whose padding unrolls it past the limits is refused at once, with the path', () => {
    const net = loadNetlist(fixture('conv-tiny.json')) as NetlistV2;
    const hostile = JSON.parse(JSON.stringify(net)) as NetlistV2;
    // conv → flatten → gates: nothing after the conv layer checks its width against a shape.
    hostile.layers.splice(1, 1);
    (hostile.layers[0] as { padding: number }).padding = 1e9;
    // Refused before anything is unrolled: a hang (1e9-pixel padding) would hit the time bound.
    expect(() => parseNetlist(JSON.stringify(hostile), 'h.json')).toThrow(/h\.json: \/layers\/0: unrolls to [\d,]+ signals, more than lgnc's limit/);
  }, 20_000);
});

describe('lgnc check: unused inputs of a conv model', () => {
  it('a gate whose two leaves both fall in the zero padding reads no input (not input 0)', () => {
    // Leaves (2, 2) and (2, 1) of a 3 × 3 field, padding 1: position (y, x) reads inputs (y + 1, x + 1)
    // and (y + 1, x); row 0 of the image is never read, and at (2, 2) both leaves are padding.
    const net = validateNetlist({
      format: 'lgn-netlist', version: 2, name: 'pad', inputs: 9,
      layers: [{ kind: 'conv', input: [1, 3, 3], receptiveField: [3, 3], stride: 1, padding: 1, kernels: 1, depth: 1, leaves: [[[0, 2, 2], [0, 2, 1]]], op: [[6]] }],
      output: { kind: 'groupsum', classes: 3 },
    });
    expect(summarize(net).unusedInputs).toBe(3);
    const r = lgnc(['check', '--json', writeTmp('pad.json', net)]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ unusedInputs: 3 });
  });
});
