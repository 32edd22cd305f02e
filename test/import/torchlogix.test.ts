// `lgnc import` of torchlogix checkpoints (LogicConv2d, OrPooling2d, Flatten, LogicDense,
// GroupSum). The tests write the checkpoints themselves (torch-writer.ts: the state-dict
// tensors laid out as torchlogix registers them, with the `arch` list of the README's helper)
// and compute the expected outputs with their own reading of torchlogix's eval-mode forward
// pass, straight from the tensors: pad, gather every leaf from `_indices_L0` at every position,
// reduce the tree by the even/odd pairing, max-pool, gather dense inputs, GroupSum. The
// imported netlist must give the same scores and classes; broken checkpoints are refused.

import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCheckpoint } from '../../src/import/index.js';
import { evaluateNetlist, getBit } from '../../src/netlist/evaluate.js';
import { gateCount, storedGateCount } from '../../src/netlist/netlist.js';
import { mulberry32, randomVectors } from '../../src/netlist/vectors.js';
import { UserError } from '../../src/util/errors.js';
import { lgnc } from '../helpers/cli.js';
import { Float, Tensor, torchSave, type Py } from './torch-writer.js';

type Param = 'raw' | 'warp' | 'light';

interface ConvSpec { kind: 'conv'; key: string; inDim: number; channels: number; kernels: number; depth: number; rf: number; stride: number; padding: number }
interface PoolSpec { kind: 'orpool'; size: number; stride: number; padding: number }
interface DenseSpec { kind: 'dense'; key: string; out: number; candidates?: number }
type Spec = ConvSpec | PoolSpec | { kind: 'flatten' } | DenseSpec | { kind: 'groupsum'; k: number; tau: number };

const SPECS: Spec[] = [
  { kind: 'conv', key: 'model.1', inDim: 8, channels: 2, kernels: 3, depth: 2, rf: 3, stride: 1, padding: 1 },
  { kind: 'orpool', size: 2, stride: 2, padding: 0 },
  { kind: 'conv', key: 'model.3', inDim: 4, channels: 3, kernels: 4, depth: 3, rf: 2, stride: 1, padding: 0 },
  { kind: 'orpool', size: 2, stride: 2, padding: 1 },
  { kind: 'flatten' },
  { kind: 'dense', key: 'model.6', out: 24 },
  { kind: 'dense', key: 'model.7', out: 12, candidates: 3 },
  { kind: 'groupsum', k: 3, tau: 2.5 },
];

/** A random torchlogix model: state dict tensors, arch list, and the plain arrays the reference reads. */
function makeModel(param: Param, seed: number, specs = SPECS) {
  const rand = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const pick = (n: number) => Math.floor(rand() * n);
  const per = param === 'raw' ? 16 : 4;
  // Weights of n gates, each leaning towards an op that passes information on (mostly XOR /
  // XNOR, so the random net does not collapse to a constant), written in the parametrization's
  // own terms: raw logits, light truth-table logits, warp Walsh coefficients.
  const gates = (n: number): number[] => {
    const out: number[] = [];
    for (let g = 0; g < n; g++) {
      const op = [6, 9, 6, 9, 3, 5, 7, 1, 14][pick(9)];
      const t = [0, 1, 2, 3].map((i) => (op >> (3 - i)) & 1); // output for AB = 00, 01, 10, 11
      if (param === 'raw') out.push(...Array.from({ length: 16 }, (_, k) => 0.5 * normal() + (k === op ? 3 : 0)));
      else if (param === 'light') out.push(...t.map((b) => (b ? 1 : -1) * (0.2 + rand())));
      else {
        const target = t.map((b) => (b ? -1 : 1) * (0.2 + rand())); // s_i < 0 ⇔ output 1
        out.push(...[0, 1, 2, 3].map((k) => target.reduce((acc, si, i) => acc + (popcount(k & i) % 2 ? -si : si), 0) / 4));
      }
    }
    return out;
  };
  const sd: { [k: string]: Py } = {};
  const arch: Py[] = [];
  let width = 0;
  let shape: [number, number, number] = [0, 0, 0];
  for (const s of specs) {
    if (s.kind === 'conv') {
      const S = 2 ** (s.depth - 1);
      const out = Math.floor((s.inDim + 2 * s.padding - s.rf) / s.stride) + 1;
      const P = out * out;
      for (let level = 0; level < s.depth; level++) {
        const nodes = S >> level;
        sd[`${s.key}.tree_weights.${level}`] = new Tensor('float32', [nodes, s.kernels, per], gates(nodes * s.kernels));
      }
      // _indices_L0: [2, K, P, S, 3] = (row, column, channel) of the padded input.
      const base = Array.from({ length: 2 * s.kernels * S }, () => [pick(s.rf), pick(s.rf), pick(s.channels)]);
      const idx: number[] = [];
      for (let l = 0; l < 2; l++) for (let k = 0; k < s.kernels; k++) for (let p = 0; p < P; p++) for (let g = 0; g < S; g++) {
        const [h, w, c] = base[(l * s.kernels + k) * S + g];
        idx.push(h + Math.floor(p / out) * s.stride, w + (p % out) * s.stride, c);
      }
      sd[`${s.key}.connections._indices_L0`] = new Tensor('int64', [2, s.kernels, P, S, 3], idx);
      for (let level = 1; level < s.depth; level++) {
        const n = S >> level;
        sd[`${s.key}.connections._indices_L${level}`] = new Tensor('int64', [2, n], [...Array.from({ length: n }, (_, i) => 2 * i), ...Array.from({ length: n }, (_, i) => 2 * i + 1)]);
      }
      arch.push({ kind: 'conv', key: s.key, in_dim: [s.inDim, s.inDim], channels: s.channels, num_kernels: s.kernels, tree_depth: s.depth, receptive_field_size: [s.rf, s.rf], stride: s.stride, padding: s.padding, parametrization: param });
      shape = [s.kernels, out, out];
      width = s.kernels * P;
    } else if (s.kind === 'orpool') {
      arch.push({ kind: 'orpool', kernel_size: s.size, stride: s.stride, padding: s.padding });
      const o = Math.floor((shape[1] + 2 * s.padding - s.size) / s.stride) + 1;
      shape = [shape[0], o, o];
      width = shape[0] * o * o;
    } else if (s.kind === 'flatten') arch.push({ kind: 'flatten' });
    else if (s.kind === 'dense') {
      sd[`${s.key}.weight`] = new Tensor('float32', [s.out, per], gates(s.out));
      if (s.candidates) {
        sd[`${s.key}.connections.weights`] = new Tensor('float32', [s.candidates, 2, s.out], Array.from({ length: s.candidates * 2 * s.out }, () => rand()));
        sd[`${s.key}.connections.indices`] = new Tensor('int64', [s.candidates, 2, s.out], Array.from({ length: s.candidates * 2 * s.out }, () => pick(width)));
      } else {
        sd[`${s.key}.connections.indices`] = new Tensor('int64', [2, s.out], Array.from({ length: 2 * s.out }, () => pick(width)));
      }
      arch.push({ kind: 'dense', key: s.key, in_dim: width, out_dim: s.out, parametrization: param });
      width = s.out;
    } else arch.push({ kind: 'groupsum', k: s.k, tau: new Float(s.tau) });
  }
  return { sd, arch };
}

/** torchlogix's eval-mode gate: the op chosen by the weights, applied to 0/1 values. */
function gate(param: Param, w: number[], a: number, b: number): number {
  if (param === 'raw') {
    let id = 0;
    for (let k = 1; k < 16; k++) if (w[k] > w[id]) id = k;
    // ID_TO_OP, as products and sums of a and b.
    const f = [0, a * b, a - a * b, a, b - a * b, b, a + b - 2 * a * b, a + b - a * b, 1 - (a + b - a * b), 1 - (a + b - 2 * a * b), 1 - b, 1 - b + a * b, 1 - a, 1 - a + a * b, 1 - a * b, 1];
    return f[id];
  }
  if (param === 'light') {
    const on = w.map((x) => (x > 0 ? 1 : 0));
    return on[0] * (1 - a) * (1 - b) + on[1] * (1 - a) * b + on[2] * a * (1 - b) + on[3] * a * b;
  }
  const A = 1 - 2 * a, B = 1 - 2 * b;
  const s = Math.fround(Math.fround(Math.fround(Math.fround(w[0]) + Math.fround(w[1]) * B) + Math.fround(w[2]) * A) + Math.fround(w[3]) * A * B);
  return -s > 0 ? 1 : 0;
}

/** The forward pass of the model on one input (C × H × W bits, channel-major): GroupSum sums before tau. */
function reference(specs: Spec[], sd: { [k: string]: Py }, param: Param, bits: number[]): number[] {
  const per = param === 'raw' ? 16 : 4;
  const T = (k: string) => sd[k] as Tensor;
  let x = bits;
  let shape: [number, number, number] = [0, 0, 0];
  for (const s of specs) {
    if (s.kind === 'conv') {
      const Hp = s.inDim + 2 * s.padding;
      const padded = (c: number, h: number, w: number) => {
        const y = h - s.padding, xx = w - s.padding;
        return y < 0 || xx < 0 || y >= s.inDim || xx >= s.inDim ? 0 : x[(c * s.inDim + y) * s.inDim + xx];
      };
      void Hp;
      const S = 2 ** (s.depth - 1);
      const out = Math.floor((s.inDim + 2 * s.padding - s.rf) / s.stride) + 1;
      const P = out * out;
      const idx = T(`${s.key}.connections._indices_L0`).data;
      const y: number[] = [];
      for (let k = 0; k < s.kernels; k++) {
        for (let p = 0; p < P; p++) {
          // Level 0: node g reads (input 0, input 1) = the two gathered leaves.
          let level = Array.from({ length: S }, (_, g) => {
            const at = (l: number, d: number) => idx[((((l * s.kernels + k) * P + p) * S + g) * 3) + d];
            const w = Array.from(T(`${s.key}.tree_weights.0`).data).slice((g * s.kernels + k) * per, (g * s.kernels + k + 1) * per);
            return gate(param, w, padded(at(0, 2), at(0, 0), at(0, 1)), padded(at(1, 2), at(1, 0), at(1, 1)));
          });
          for (let lv = 1; lv < s.depth; lv++) {
            const tw = Array.from(T(`${s.key}.tree_weights.${lv}`).data);
            level = Array.from({ length: level.length / 2 }, (_, g) => gate(param, tw.slice((g * s.kernels + k) * per, (g * s.kernels + k + 1) * per), level[2 * g], level[2 * g + 1]));
          }
          y.push(level[0]);
        }
      }
      x = y;
      shape = [s.kernels, out, out];
    } else if (s.kind === 'orpool') {
      const [C, H] = shape;
      const o = Math.floor((H + 2 * s.padding - s.size) / s.stride) + 1;
      const y: number[] = [];
      for (let c = 0; c < C; c++) for (let i = 0; i < o; i++) for (let j = 0; j < o; j++) {
        let m = -Infinity;
        for (let di = 0; di < s.size; di++) for (let dj = 0; dj < s.size; dj++) {
          const r = i * s.stride + di - s.padding, q = j * s.stride + dj - s.padding;
          if (r >= 0 && q >= 0 && r < H && q < H) m = Math.max(m, x[(c * H + r) * H + q]);
        }
        y.push(m);
      }
      x = y;
      shape = [C, o, o];
    } else if (s.kind === 'dense') {
      const w = Array.from(T(`${s.key}.weight`).data);
      const ind = Array.from(T(`${s.key}.connections.indices`).data);
      const src = (i: number, o: number) => {
        if (!s.candidates) return ind[i * s.out + o];
        const cw = Array.from(T(`${s.key}.connections.weights`).data);
        let best = 0;
        for (let c = 1; c < s.candidates; c++) if (cw[(c * 2 + i) * s.out + o] > cw[(best * 2 + i) * s.out + o]) best = c;
        return ind[(best * 2 + i) * s.out + o];
      };
      x = Array.from({ length: s.out }, (_, o) => gate(param, w.slice(o * per, (o + 1) * per), x[src(0, o)], x[src(1, o)]));
    } else if (s.kind === 'groupsum') {
      const n = x.length / s.k;
      x = Array.from({ length: s.k }, (_, c) => x.slice(c * n, (c + 1) * n).reduce((a, b) => a + b, 0));
    }
  }
  return x;
}

const popcount = (v: number) => (v & 1) + ((v >> 1) & 1);
const firstMax = (v: number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

describe('lgnc import: torchlogix checkpoints', () => {
  it.each(['raw', 'warp', 'light'] as Param[])('%s: scores and classes equal torchlogix\'s eval-mode forward on 200 inputs', (param) => {
    const { sd, arch } = makeModel(param, param.length);
    const { netlist, report } = importCheckpoint(torchSave({ model: sd, arch }), 'm.pt', { name: 'm' });
    expect(report.format).toBe('torchlogix');
    expect(netlist.version).toBe(2);
    expect(netlist.inputs).toBe(2 * 8 * 8);
    expect(netlist.output).toEqual({ kind: 'groupsum', classes: 3, tau: 2.5 });
    expect(netlist.layers.map((l) => ('kind' in l && l.kind) || 'gates')).toEqual(['conv', 'orpool', 'conv', 'orpool', 'flatten', 'gates', 'gates']);
    const x = randomVectors(netlist.inputs, 200, 9);
    const e = evaluateNetlist(netlist, x);
    const seen = new Set<string>();
    for (let s = 0; s < x.count; s++) {
      const bits = Array.from({ length: x.rows }, (_, i) => getBit(x, i, s));
      const want = reference(SPECS, sd, param, bits);
      expect(Array.from(e.scores.subarray(3 * s, 3 * s + 3))).toEqual(want);
      expect(e.predictions[s]).toBe(firstMax(want));
      seen.add(want.join());
    }
    expect(seen.size).toBeGreaterThan(3); // not a constant model: the scores vary with the input
    expect(new Set(e.predictions).size).toBeGreaterThan(1);
    // Sizes: conv trees once (3·3 + 4·7) plus 36 dense gates stored; unrolled at every position.
    expect(storedGateCount(netlist)).toBe(3 * 3 + 4 * 7 + 24 + 12);
    expect(gateCount(netlist)).toBeGreaterThan(storedGateCount(netlist) * 10);
  });

  it('a state dict of LogicDense layers alone needs no arch', () => {
    const specs: Spec[] = [{ kind: 'dense', key: '0', out: 20 }, { kind: 'dense', key: '1', out: 10 }];
    const { sd } = makeModel('raw', 3, specs);
    // The first layer reads 20 inputs (width 0 → indices drawn from 0: redraw in range).
    (sd['0.connections.indices'] as Tensor) = new Tensor('int64', [2, 20], Array.from({ length: 40 }, (_, i) => (i * 7) % 16));
    const { netlist } = importCheckpoint(torchSave({ model: sd }), 'd.pt', { name: 'd', classes: 2, inputs: 16 });
    expect(netlist.inputs).toBe(16);
    expect(netlist.layers.length).toBe(2);
    const x = randomVectors(16, 64, 1);
    const e = evaluateNetlist(netlist, x);
    for (let s = 0; s < 64; s++) {
      const bits = Array.from({ length: 16 }, (_, i) => getBit(x, i, s));
      const h = reference(specs.slice(0, 1), sd, 'raw', bits);
      const out = reference(specs.slice(1), sd, 'raw', h);
      expect([e.scores[2 * s], e.scores[2 * s + 1]]).toEqual([out.slice(0, 5).reduce((a, b) => a + b), out.slice(5).reduce((a, b) => a + b)]);
    }
  });

  const refused = (mutate: (m: ReturnType<typeof makeModel>) => void, param: Param = 'raw'): string => {
    const m = makeModel(param, 5);
    mutate(m);
    try {
      importCheckpoint(torchSave({ model: m.sd, arch: m.arch }), 'bad.pt', { name: 'bad' });
      return 'ok';
    } catch (err) {
      if (err instanceof UserError && err.exitCode === 2) return err.message;
      throw err;
    }
  };

  it('refuses broken checkpoints with the tensor and the fix', () => {
    const conv0 = (m: ReturnType<typeof makeModel>) => m.arch[0] as { [k: string]: Py };
    expect(refused((m) => { m.arch = null as unknown as Py[]; })).toMatch(/conv layers \(model\.1\.tree_weights\.0\) but no "arch"/);
    expect(refused((m) => { conv0(m).stride = 2; })).toMatch(/_indices_L0 has shape \[2, 3, 64, 2, 3\]; expected \[2, 3, 16, 2, 3\]/);
    expect(refused((m) => { conv0(m).receptive_field_size = [2, 2]; })).toMatch(/outside its 2 × 2 × 2 receptive field|expected \[2, 3, 81, 2, 3\]/);
    expect(refused((m) => { conv0(m).tree_depth = 3; })).toMatch(/tree_weights\.0 has shape \[2, 3, 16\]; a tree of depth 3 with 3 kernels needs \[4, 3, 16\]/);
    expect(refused((m) => { (m.arch[2] as { [k: string]: Py }).channels = 2; })).toMatch(/reads 2 × 4 × 4 .*outputs 3 × 4 × 4/);
    expect(refused((m) => { delete (m.arch[2] as { [k: string]: Py }).parametrization; }, 'warp')).toMatch(/4 weights per gate: warp \(Walsh coefficients\) or light\? .*--parametrization warp\|light/);
    expect(refused((m) => { m.arch.splice(4, 1); })).toMatch(/needs a Flatten before it/);
    expect(refused((m) => { m.arch[1] = { kind: 'residual' }; })).toMatch(/module kind "residual" is not supported/);
    expect(refused((m) => {
      const t = m.sd['model.1.connections._indices_L0'] as Tensor;
      const d = Array.from(t.data);
      d[3] += 1; // position 1 of kernel 0's first leaf moved one row
      m.sd['model.1.connections._indices_L0'] = new Tensor('int64', t.shape, d);
    })).toMatch(/not the window of position 0 moved by stride 1/);
    expect(refused((m) => {
      const t = m.sd['model.6.connections.indices'] as Tensor;
      m.sd['model.6.connections.indices'] = new Tensor('int64', t.shape, Array.from(t.data, () => 500));
    })).toMatch(/model\.6: neuron 0 input 0 is index 500, out of range/);
  });

  it('random damage to arch and tensors gives a netlist or a UserError, never another exception', () => {
    const rand = mulberry32(77);
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    const values: Py[] = [0, 1, 2, 3, 7, 100, -1, 'x', null, [1, 2], [3], new Float(0.5), true];
    let errors = 0;
    for (let t = 0; t < 150; t++) {
      const m = makeModel(pick(['raw', 'warp', 'light'] as Param[]), 5);
      for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) {
        if (rand() < 0.5) {
          const e = pick(m.arch) as { [k: string]: Py };
          const key = pick(Object.keys(e));
          e[key] = pick(values);
        } else {
          const key = pick(Object.keys(m.sd));
          const tensor = m.sd[key] as Tensor;
          if (rand() < 0.3) delete m.sd[key];
          else if (rand() < 0.5) {
            const shape = tensor.shape.slice();
            shape[Math.floor(rand() * shape.length)] = 1 + Math.floor(rand() * 4);
            m.sd[key] = new Tensor(tensor.dtype, shape, Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.floor(rand() * 9)));
          } else {
            const d = Array.from(tensor.data);
            d[Math.floor(rand() * d.length)] = pick([0, 1e9, -3, 7]);
            m.sd[key] = new Tensor(tensor.dtype, tensor.shape, d);
          }
        }
      }
      try {
        importCheckpoint(torchSave({ model: m.sd, arch: m.arch }), 'f.pt', { name: 'f' });
      } catch (err) {
        if (!(err instanceof UserError)) throw err;
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
  });

  it('lgnc import writes the v2 netlist; check prints both sizes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-tlx-'));
    const { sd, arch } = makeModel('raw', 2);
    writeFileSync(join(dir, 'clgn.pt'), torchSave({ model: sd, arch }));
    const r = lgnc(['import', join(dir, 'clgn.pt'), '-o', join(dir, 'clgn.json')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/format:\s+torchlogix \(raw\)/);
    expect(r.stdout).toMatch(/gates:\s+73 stored → [\d,]+ unrolled/);
    const c = lgnc(['check', join(dir, 'clgn.json')]);
    expect(c.code).toBe(0);
    expect(c.stdout).toMatch(/valid lgn-netlist v2/);
    expect(c.stdout).toMatch(/gates:\s+73 stored \(conv kernels shared over positions\) → [\d,]+ unrolled/);
    expect(c.stdout).toMatch(/conv 3 × depth 2, 3×3 field, stride 1, pad 1\s+3 × 8 × 8/);
    const bad = lgnc(['import', join(dir, 'clgn.pt'), '-o', join(dir, 'x.json'), '--parametrization', 'warp']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/16 weights per gate, which is the raw parametrization, not warp/);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });
});
