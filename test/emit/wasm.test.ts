// The WebAssembly SIMD backend against the reference evaluator: random netlists and random
// IRs (inverted edges, constants), optimized and not, bit-slice and packed input, batch sizes
// around the 128-sample block and the chunk, worker threads, classes = 1, ties, constants.

import { afterAll, describe, expect, it } from 'vitest';
import wabtInit from 'wabt';
import { emitC } from '../../src/emit/c.js';
import { emitWasm } from '../../src/emit/wasm.js';
import { netlistInference, WasmInference } from '../../src/emit/wasm-runtime.js';
import { evaluateIr } from '../../src/ir/evaluate.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { optimize } from '../../src/ir/passes/index.js';
import { argmax } from '../../src/ir/passes/argmax.js';
import { popcount } from '../../src/ir/passes/popcount.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import type { Netlist } from '../../src/netlist/netlist.js';
import { randomConvNetlist, randomNetlist } from '../../src/netlist/random.js';
import { formatBinaryVectors, randomVectors } from '../../src/netlist/vectors.js';
import { expectSame, randomTestIr, randomTestNetlist } from '../ir/helpers.js';

const packed = (x: ReturnType<typeof randomVectors>) => ({ packed: formatBinaryVectors(x), count: x.count });

describe('WebAssembly backend', () => {
  it('writes modules wabt validates (SIMD), for netlists of several shapes', async () => {
    const wabt = await wabtInit();
    for (let seed = 1; seed <= 12; seed++) {
      const ir = optimize(irFromNetlist(randomTestNetlist(seed))).ir;
      const m = emitWasm(ir);
      // At most one lane instruction per gate: inversions are stored, never computed.
      expect(m.instructions).toBeLessThanOrEqual(ir.gates);
      const mod = wabt.readWasm(m.bytes, { readDebugNames: false, simd: true } as never);
      expect(() => mod.validate()).not.toThrow();
      mod.destroy();
    }
  });

  it('is deterministic: the same IR gives byte-identical WebAssembly and C', () => {
    const ir = optimize(irFromNetlist(randomTestNetlist(7))).ir;
    expect(Buffer.from(emitWasm(ir).bytes).equals(Buffer.from(emitWasm(ir).bytes))).toBe(true);
    expect(Buffer.from(emitC(ir, { top: 't' }).c).equals(Buffer.from(emitC(ir, { top: 't' }).c))).toBe(true);
  });

  it('equals the reference evaluator on 80 random netlists, optimized and not, sliced and packed', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const net = randomTestNetlist(seed);
      const x = randomVectors(net.inputs, 200 + seed, seed);
      const want = evaluateNetlist(net, x);
      for (const opt of [true, false]) {
        const inf = netlistInference(net, { optimize: opt });
        expectSame(inf.evaluate(x), want, `netlist ${seed} opt=${opt} sliced`);
        expectSame(inf.evaluate(packed(x)), want, `netlist ${seed} opt=${opt} packed`);
      }
    }
  });

  it('equals evaluateIr on random IRs with inverted edges and constants (lowered, not cleaned)', () => {
    for (let seed = 1; seed <= 80; seed++) {
      const ir = argmax.run(popcount.run(randomTestIr(seed)).ir).ir;
      const x = randomVectors(ir.inputs, 300, seed);
      expectSame(new WasmInference(ir).evaluate(packed(x)), evaluateIr(ir, x), `IR ${seed}`);
    }
  });

  it('handles every batch size: 0, 1, block and chunk edges, scores on and off', () => {
    const net = randomNetlist({ inputs: 100, widths: [300, 200, 60], classes: 6, seed: 5 });
    const inf = netlistInference(net);
    for (const n of [0, 1, 2, 31, 33, 127, 128, 129, 255, 1023, 1024, 1025, 2049, 3000]) {
      const x = randomVectors(net.inputs, n, n + 1);
      const want = evaluateNetlist(net, x);
      expectSame(inf.evaluate(x), want, `n=${n} sliced`);
      expectSame(inf.evaluate(packed(x)), want, `n=${n} packed`);
      const classesOnly = inf.evaluate(packed(x), { scores: false });
      expect(Array.from(classesOnly.predictions)).toEqual(Array.from(want.predictions));
      expect(classesOnly.scores.length).toBe(0);
    }
  });

  const pool = netlistInference(randomNetlist({ inputs: 70, widths: [200, 120], classes: 4, seed: 9 }));
  afterAll(() => pool.close());
  it('splits big batches over worker threads with the same result (threads 1, 2, 3; tails)', async () => {
    const net = randomNetlist({ inputs: 70, widths: [200, 120], classes: 4, seed: 9 });
    for (const n of [5000, 4097]) {
      const x = randomVectors(net.inputs, n, n);
      const want = evaluateNetlist(net, x);
      for (const threads of [1, 2, 3]) {
        expectSame(await pool.evaluateParallel(x, { threads, minPerThread: 256 }), want, `n=${n} threads=${threads} sliced`);
        expectSame(await pool.evaluateParallel(packed(x), { threads, minPerThread: 256 }), want, `n=${n} threads=${threads} packed`);
      }
    }
  });

  it('one class, constant outputs and all-tie scores (class 0)', () => {
    const constant = (op: number, classes: number): Netlist => ({
      format: 'lgn-netlist', version: 1, name: `const${op}`, inputs: 5,
      layers: [{ a: [0, 1, 2, 3, 4, 0], b: [1, 2, 3, 4, 0, 0], op: [6, 1, 7, 9, 2, 4] }, { a: Array(6).fill(0).map((_, i) => i), b: Array(6).fill(1), op: Array(6).fill(op) }],
      output: { kind: 'groupsum', classes, tau: 1 },
    });
    for (const [op, classes] of [[0, 3], [15, 3], [15, 2], [6, 1], [0, 1], [3, 6]] as const) {
      const net = constant(op, classes);
      const x = randomVectors(5, 300, op + classes);
      const got = netlistInference(net).evaluate(packed(x));
      expectSame(got, evaluateNetlist(net, x), `op ${op}, ${classes} classes`);
      if (op === 0 || op === 15) expect(got.predictions.every((c) => c === 0)).toBe(true);
    }
  });

  it('a trained-size model: 784 inputs, 3 layers, 10 classes, 2,000 vectors', () => {
    const net = randomNetlist({ inputs: 784, widths: [2000, 2000, 1000], classes: 10, seed: 3, sameInputRate: 0 });
    const x = randomVectors(784, 2000, 4);
    expectSame(netlistInference(net).evaluate(packed(x)), evaluateNetlist(net, x), 'mnist-size');
  });

  it('v2 conv netlists (unrolled to gates) predict what the v2 reference evaluator predicts', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const net = randomConvNetlist({ seed });
      const x = randomVectors(net.inputs, 300, seed);
      const want = evaluateNetlist(net, x);
      const got = netlistInference(net).evaluate(x);
      expect(Array.from(got.predictions)).toEqual(Array.from(want.predictions));
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores));
    }
  });
});
