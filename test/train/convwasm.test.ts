// The SIMD conv-tree kernels (convwasm.ts) against the plain loops of conv.ts they stand for:
// the same outputs and coefficient gradients (float32 sums in another order: close, not
// bit-equal), for batch sizes with and without a tail of B mod 4 samples.

import { describe, expect, it } from 'vitest';
import { allocWork, arenaBytes, backwardConv, buildConvModel, forwardConv, memoryArena, parseConvSpec, simdTables, type ConvModel, type ConvWork } from '../../src/train/conv.js';
import { convKernelModule, convWasm } from '../../src/train/convwasm.js';
import { mulberry32 } from '../../src/netlist/vectors.js';
import { coefficients } from '../../src/train/softmax16.js';

const SPEC = 'conv:3:d2:r3:p1:c2,pool,conv:4:d3:r2:p0:c3';

async function simdWork(m: ConvModel, cap: number, extra: number) {
  const bytes = arenaBytes(m, cap, extra);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1, maximum: 65536, shared: true });
  const arena = memoryArena(memory);
  const w: ConvWork = allocWork(m, cap, Float32Array, arena);
  w.simd = { k: convWasm(await convKernelModule(), memory), ...simdTables(m, arena) };
  return { w, arena };
}

describe('SIMD conv kernels', () => {
  for (const B of [4, 7, 13]) {
    it(`match the plain loops (B = ${B})`, async () => {
      const m = buildConvModel(parseConvSpec(SPEC), { side: 6, bitsPerPixel: 2 }, [10, 4], 2, mulberry32(B), SPEC);
      const rand = mulberry32(50 + B);
      const logits = Float64Array.from({ length: m.gates * 16 }, () => 2 * (rand() - 0.5));
      const coef64 = new Float64Array(m.gates * 4);
      coefficients(logits, coef64, 0, m.gates);
      const x = Float32Array.from({ length: m.inputs * B }, () => rand());
      const last = m.layers[m.layers.length - 1].width;
      const weights = Float32Array.from({ length: last * B }, () => rand() - 0.5);

      const js = allocWork(m, B);
      const coefJs = Float32Array.from(coef64);
      js.x.set(x);
      const outJs = forwardConv(m, js, coefJs, B).slice(0, last * B);
      js.g0.set(weights);
      const dJs = new Float32Array(m.gates * 4);
      backwardConv(m, js, coefJs, dJs, js.g0, B);

      const { w, arena } = await simdWork(m, B, 8 * m.gates);
      const coef = arena.f32(4 * m.gates);
      coef.set(coefJs);
      const dcoef = arena.f32(4 * m.gates);
      w.x.set(x);
      const out = forwardConv(m, w, coef, B).slice(0, last * B);
      w.g0.set(weights);
      backwardConv(m, w, coef, dcoef, w.g0, B);

      for (let i = 0; i < outJs.length; i++) expect(out[i]).toBeCloseTo(outJs[i], 5);
      // Every conv layer's nodes, not only the last layer.
      const n0 = js.nodes[0]!, n1 = w.nodes[0]!;
      for (let i = 0; i < n0.length; i++) expect(n1[i]).toBeCloseTo(n0[i], 5);
      let big = 0;
      for (let i = 0; i < dJs.length; i++) {
        expect(Math.abs(dcoef[i] - dJs[i])).toBeLessThan(1e-5 + 1e-4 * Math.abs(dJs[i]));
        if (Math.abs(dJs[i]) > 1e-3) big++;
      }
      expect(big).toBeGreaterThan(dJs.length / 8); // the comparison is not of zeros
    });
  }
});
