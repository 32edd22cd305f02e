// Conv logic gate networks in the trainer (LogicTreeNet, Petersen et al., NeurIPS 2024,
// arXiv 2411.04732): the architecture spec (`--conv`), the model's geometry, and the plain
// forward / backward loops over positions × samples that define training; freezing to a v2
// netlist (conv layers with each kernel's ops and leaves, orpool, flatten, gate layers).
//
//   conv    each kernel a complete binary tree of `depth` learnable gates (iwp or softmax16,
//           as the dense layers), its 2^depth leaves [c, dy, dx] drawn at random within the
//           receptive field over a few input channels, shared over every position;
//   pool    OR pooling; relaxed as the maximum over the window (the maximum t-conorm, as the
//           paper does), so the gradient flows to the window's largest input;
//   then flatten, the dense gate layers (fixed connections) and the Group-Sum.
//
// Activations are signal-major rows of B samples (kernels.ts): signal i of a layer for
// sample s is act[i·B + s]; a shaped layer's signals are channel-major ([C, H, W], layers.ts).
// The SIMD twins of the conv-tree loops (convwasm.ts) run instead when the buffers live in
// a WebAssembly.Memory (ConvWork.simd); the pooling and gate-layer loops are these in both.
// Every activation buffer has one more row, kept 0, that padding leaves and empty pooling
// windows read, so the loops need no branch for the padding.
// The geometry (which input a leaf reads at which position) comes from src/netlist/layers.ts,
// the same functions the reference evaluator uses, so the frozen netlist means what was trained.

import { convLeafSignals, convOutputShape, poolOutputShape, poolWindowSignals, shapeSize, treeGates } from '../netlist/layers.js';
import type { ConvLayer, GateLayer, LayerV2, NetlistV2, OrPoolLayer, Shape, ThresholdEncoding } from '../netlist/netlist.js';
import { UserError } from '../util/errors.js';
import { connectLayer } from './connect.js';
import { backwardLayer, forwardLayer, type Vec } from './kernels.js';
import type { Rho } from './iwp.js';
import { paramOf, type ParamKind } from './param.js';
import type { ConvWasm } from './convwasm.js';

export interface ConvStage {
  kind: 'conv';
  kernels: number;
  depth: number;
  /** Receptive field side (square). */
  field: number;
  padding: number;
  stride: number;
  /** Input channels each kernel's leaves are drawn from. */
  channels: number;
}

export interface PoolStage {
  kind: 'pool';
  size: number;
}

export type Stage = ConvStage | PoolStage;

const SPEC_HELP = 'give stages separated by commas: conv:K[:dD][:rR][:pP][:sS][:cC] (K kernels, tree depth D (3), R × R field (3), padding P (1), stride S (1), leaves from C channels (2)) or pool[:N] (N × N OR pooling, stride N (2)), e.g. conv:32,pool,conv:64,pool';

/** "conv:32:d3,pool,conv:64,pool" → stages; a bad stage is a UserError naming it and the fix. */
export function parseConvSpec(text: string): Stage[] {
  const parts = text.split(',').map((s) => s.trim());
  const bad = (part: string, why: string): never => {
    throw new UserError(`--conv ${JSON.stringify(text)}: stage ${JSON.stringify(part)} ${why}; ${SPEC_HELP}.`);
  };
  const stages = parts.map((part): Stage => {
    const f = part.split(':');
    if (f[0] === 'pool') {
      if (f.length > 2) bad(part, 'has more than one value');
      const n = f.length === 2 ? Number(f[1]) : 2;
      if (!/^\d+$/.test(f[1] ?? '2') || n < 2 || n > 8) bad(part, 'needs a window size in 2..8');
      return { kind: 'pool', size: n };
    }
    if (f[0] !== 'conv') bad(part, 'is neither conv nor pool');
    if (!/^\d+$/.test(f[1] ?? '') || Number(f[1]) < 1 || Number(f[1]) > 4096) bad(part, 'needs a number of kernels in 1..4096 after conv:');
    const s: ConvStage = { kind: 'conv', kernels: Number(f[1]), depth: 3, field: 3, padding: 1, stride: 1, channels: 2 };
    const keys: Record<string, [keyof ConvStage, number, number]> = { d: ['depth', 1, 8], r: ['field', 1, 15], p: ['padding', 0, 7], s: ['stride', 1, 8], c: ['channels', 1, 4096] };
    for (const opt of f.slice(2)) {
      const m = /^([drpsc])(\d+)$/.exec(opt);
      if (!m) bad(part, `has an unknown option ${JSON.stringify(opt)}`);
      const [key, lo, hi] = keys[m![1]];
      const v = Number(m![2]);
      if (v < lo || v > hi) bad(part, `option ${opt}: ${key} must be in ${lo}..${hi}`);
      (s as unknown as Record<string, number>)[key] = v;
    }
    return s;
  });
  if (!stages.some((s) => s.kind === 'conv')) bad(text, 'has no conv stage');
  return stages;
}

/** A layer of the model, with the netlist layer it freezes to (ops filled in by freezing). */
export type ModelLayer =
  | { kind: 'conv'; net: ConvLayer; g0: number; positions: number; width: number; inWidth: number;
      /** leafRow[(k·positions + p)·2^d + j]: the input row leaf j of kernel k reads at position p (inWidth: the zero row). */
      leafRow: Int32Array }
  | { kind: 'pool'; net: OrPoolLayer; width: number; inWidth: number; window: number;
      /** winRow[o·window + i]: input row i of output o's window (inWidth: the zero row, for the padding). */
      winRow: Int32Array }
  | { kind: 'dense'; g0: number; width: number; inWidth: number };

export interface ConvModel {
  /** Encoded input bits. */
  inputs: number;
  /** The [C, H, W] the first conv layer reads (channel C = threshold C of every pixel). */
  inputShape: Shape;
  /** Row i of the model's input is encoded bit perm[i] (thresholds of a pixel are side by side in the encoding). */
  perm: Int32Array;
  layers: ModelLayer[];
  /** Dense gate g reads rows a[g], b[g] of the layer below (global gate index; conv gates' entries unused). */
  a: Int32Array;
  b: Int32Array;
  /** Learnable gates: conv kernels' trees once, plus the dense gates. */
  gates: number;
  classes: number;
  /** Children of tree node i of a depth-d tree (nodes level by level, root last): ≥ 0 a node, < 0 leaf −1 − c. */
  childA: Int32Array[];
  childB: Int32Array[];
}

/** Children of every node of a depth-d tree, in the netlist's order (layers.ts ConvLayer). */
function treeChildren(d: number): [Int32Array, Int32Array] {
  const N = treeGates(d);
  const ca = new Int32Array(N), cb = new Int32Array(N);
  let at = 0, below = -1, n = 2 ** (d - 1);
  for (let level = 0; level < d; level++, n >>= 1) {
    for (let g = 0; g < n; g++) {
      ca[at + g] = level === 0 ? -1 - 2 * g : below + 2 * g;
      cb[at + g] = level === 0 ? -1 - (2 * g + 1) : below + 2 * g + 1;
    }
    below = at;
    at += n;
  }
  return [ca, cb];
}

/**
 * The model's geometry from the stages, the image shape and the dense widths, with leaves and
 * connections drawn from `rand`. Refuses (UserError) stages that do not fit their input.
 */
export function buildConvModel(stages: Stage[], image: { side: number; bitsPerPixel: number }, widths: number[], classes: number, rand: () => number, spec: string): ConvModel {
  const { side, bitsPerPixel: C0 } = image;
  const inputs = side * side * C0;
  const perm = new Int32Array(inputs);
  // Channel-major row (t, y, x) is encoded bit (y·side + x)·C0 + t.
  for (let t = 0; t < C0; t++) for (let p = 0; p < side * side; p++) perm[t * side * side + p] = p * C0 + t;
  let shape: Shape = [C0, side, side];
  const layers: ModelLayer[] = [];
  let gates = 0;
  const depths = new Set<number>();
  stages.forEach((s, i) => {
    const where = `--conv ${JSON.stringify(spec)}: stage ${i + 1} (${s.kind})`;
    const [C, H, W] = shape;
    const inWidth = shapeSize(shape);
    if (s.kind === 'pool') {
      const net: OrPoolLayer = { kind: 'orpool', input: shape, size: s.size, stride: s.size, padding: 0 };
      if (s.size > H || s.size > W) throw new UserError(`${where}: a ${s.size} × ${s.size} pooling window does not fit its ${C} × ${H} × ${W} input; pool less often or use a smaller window.`);
      const out = poolOutputShape(net);
      const width = shapeSize(out);
      const window = s.size * s.size;
      const winRow = new Int32Array(width * window).fill(inWidth);
      for (let c = 0; c < out[0]; c++) for (let y = 0; y < out[1]; y++) for (let x = 0; x < out[2]; x++) {
        const o = (c * out[1] + y) * out[2] + x;
        poolWindowSignals(net, c, y, x).forEach((sig, j) => (winRow[o * window + j] = sig));
      }
      layers.push({ kind: 'pool', net, width, inWidth, window, winRow });
      shape = out;
      return;
    }
    if (s.field > H + 2 * s.padding || s.field > W + 2 * s.padding) {
      throw new UserError(`${where}: the ${s.field} × ${s.field} receptive field does not fit its ${C} × ${H} × ${W} input with padding ${s.padding}; use a smaller field (:rR) or more padding (:pP).`);
    }
    const L = 2 ** s.depth;
    const leaves: [number, number, number][][] = [];
    for (let k = 0; k < s.kernels; k++) leaves.push(drawLeaves(C, s.field, Math.min(s.channels, C), L, rand));
    const net: ConvLayer = {
      kind: 'conv', input: shape, receptiveField: [s.field, s.field], stride: s.stride, padding: s.padding,
      kernels: s.kernels, depth: s.depth, leaves, op: [],
    };
    const out = convOutputShape(net);
    const positions = out[1] * out[2];
    if (positions === 0) throw new UserError(`${where}: gives no output positions on its ${C} × ${H} × ${W} input.`);
    const leafRow = new Int32Array(s.kernels * positions * L);
    const sig = new Int32Array(L);
    for (let k = 0; k < s.kernels; k++) for (let y = 0; y < out[1]; y++) for (let x = 0; x < out[2]; x++) {
      convLeafSignals(net, k, y, x, sig);
      const o = (k * positions + y * out[2] + x) * L;
      for (let j = 0; j < L; j++) leafRow[o + j] = sig[j] < 0 ? inWidth : sig[j];
    }
    layers.push({ kind: 'conv', net, g0: gates, positions, width: shapeSize(out), inWidth, leafRow });
    gates += s.kernels * treeGates(s.depth);
    depths.add(s.depth);
    shape = out;
  });
  let prev = shapeSize(shape);
  const pairs: { a: Int32Array; b: Int32Array; g0: number }[] = [];
  for (const W of widths) {
    pairs.push({ ...connectLayer('unique', prev, W, rand), g0: gates });
    layers.push({ kind: 'dense', g0: gates, width: W, inWidth: prev });
    gates += W;
    prev = W;
  }
  const a = new Int32Array(gates), b = new Int32Array(gates);
  for (const p of pairs) {
    a.set(p.a, p.g0);
    b.set(p.b, p.g0);
  }
  const childA: Int32Array[] = [], childB: Int32Array[] = [];
  for (const d of depths) [childA[d], childB[d]] = treeChildren(d);
  return { inputs, inputShape: [C0, side, side], perm, layers, a, b, gates, classes, childA, childB };
}

/**
 * 2^d leaves of one kernel: `nc` distinct random channels, and positions drawn without
 * replacement from channels × field × field while any are left (so a gate's two leaves differ).
 */
function drawLeaves(C: number, field: number, nc: number, L: number, rand: () => number): [number, number, number][] {
  const pick = (n: number) => Math.floor(rand() * n);
  const chans: number[] = [];
  while (chans.length < nc) {
    const c = pick(C);
    if (!chans.includes(c)) chans.push(c);
  }
  const cells = nc * field * field;
  const out: [number, number, number][] = [];
  let pool: number[] = [];
  for (let j = 0; j < L; j++) {
    if (pool.length === 0) pool = Array.from({ length: cells }, (_, i) => i);
    const i = pool.splice(pick(pool.length), 1)[0];
    const c = chans[Math.floor(i / (field * field))];
    const r = i % (field * field);
    out.push([c, Math.floor(r / field), r % field]);
  }
  return out;
}

/** Buffers one thread needs for `cap` samples. */
export interface ConvWork {
  cap: number;
  /** Input rows (channel-major), plus the zero row. */
  x: Vec;
  /** Each layer's output rows, plus the zero row. */
  acts: Vec[];
  /** Conv layers: every tree node's value, ((k·positions + p)·nodes + i)·B + s. */
  nodes: (Vec | null)[];
  /** Pool layers: the input row that won each output's maximum. */
  argRow: (Int32Array | null)[];
  /** Gradient rows (ping-pong), and one tree's node gradients. */
  g0: Vec;
  g1: Vec;
  gnode: Vec;
  /** The SIMD kernels (convwasm.ts), when every buffer above lives in their memory. */
  simd?: ConvSimd;
}

/** Where the SIMD path keeps the tables its conv kernels read: views on the same memory. */
export interface ConvSimd {
  k: ConvWasm;
  /** Per layer (conv layers only): leaf rows, and tree children by depth. */
  leaf: (Int32Array | null)[];
  childA: Int32Array[];
  childB: Int32Array[];
}

/** Allocates typed arrays (a bump allocator on a WebAssembly.Memory, or plain arrays). */
export interface Arena {
  f32(n: number): Float32Array;
  i32(n: number): Int32Array;
}

/** Bytes an arena needs for allocWork(m, cap) and the SIMD tables, plus `extra` floats. */
export function arenaBytes(m: ConvModel, cap: number, extra: number): number {
  let bytes = 16;
  const count: Arena = {
    f32: (n) => ((bytes += Math.ceil((4 * n) / 16) * 16), new Float32Array(0)),
    i32: (n) => ((bytes += Math.ceil((4 * n) / 16) * 16), new Int32Array(0)),
  };
  allocWork(m, cap, Float32Array, count);
  simdTables(m, count);
  count.f32(extra);
  return bytes;
}

/** A bump allocator from byte 16 of `memory` (offset 0 stays free). */
export function memoryArena(memory: WebAssembly.Memory): Arena {
  let at = 16;
  const take = (n: number) => {
    const o = at;
    at += Math.ceil((4 * Math.max(n, 1)) / 16) * 16;
    if (at > memory.buffer.byteLength) throw new Error('conv arena: out of memory');
    return o;
  };
  return {
    f32: (n) => new Float32Array(memory.buffer, take(n), n),
    i32: (n) => new Int32Array(memory.buffer, take(n), n),
  };
}

/** The leaf and child tables copied into the arena (for the SIMD kernels). */
export function simdTables(m: ConvModel, arena: Arena): Omit<ConvSimd, 'k'> {
  const copy = (src: Int32Array) => {
    const v = arena.i32(src.length);
    if (v.length) v.set(src);
    return v;
  };
  const childA: Int32Array[] = [], childB: Int32Array[] = [];
  m.childA.forEach((c, d) => {
    if (c) {
      childA[d] = copy(c);
      childB[d] = copy(m.childB[d]);
    }
  });
  return { leaf: m.layers.map((l) => (l.kind === 'conv' ? copy(l.leafRow) : null)), childA, childB };
}

/** Float32 in training; the gradient tests run the same loops in Float64. */
export function allocWork(m: ConvModel, cap: number, F: Float32ArrayConstructor | Float64ArrayConstructor = Float32Array, arena?: Arena): ConvWork {
  const maxW = Math.max(m.inputs, ...m.layers.map((l) => l.width)) + 1;
  const f = (n: number): Vec => (arena ? arena.f32(n) : new F(n));
  const i32 = (n: number) => (arena ? arena.i32(n) : new Int32Array(n));
  let maxNodes = 1;
  return {
    cap,
    x: f((m.inputs + 1) * cap),
    acts: m.layers.map((l) => f((l.width + 1) * cap)),
    nodes: m.layers.map((l) => {
      if (l.kind !== 'conv') return null;
      maxNodes = Math.max(maxNodes, treeGates(l.net.depth));
      return f(l.net.kernels * l.positions * treeGates(l.net.depth) * cap);
    }),
    argRow: m.layers.map((l) => (l.kind === 'pool' ? i32(l.width * cap) : null)),
    g0: f(maxW * cap),
    g1: f(maxW * cap),
    gnode: f(Math.max(maxNodes, 16) * cap),
  };
}

/** Rows of B samples: views of a work buffer (the zero row at `rows` is cleared). */
function rowsOf(buf: Vec, rows: number, B: number): Vec {
  const v = buf.subarray(0, (rows + 1) * B);
  v.fill(0, rows * B);
  return v;
}

/** The forward pass over B samples already in work.x (B per row); coef: 4 per gate. Returns the last layer's rows. */
export function forwardConv(m: ConvModel, w: ConvWork, coef: Vec, B: number): Vec {
  let prev = rowsOf(w.x, m.inputs, B);
  m.layers.forEach((l, li) => {
    const out = rowsOf(w.acts[li], l.width, B);
    if (l.kind === 'conv') {
      if (w.simd) {
        const d = l.net.depth, N = treeGates(d);
        w.simd.k.convForward(prev.byteOffset, w.nodes[li]!.byteOffset, B, w.simd.leaf[li]!.byteOffset, w.simd.childA[d].byteOffset, w.simd.childB[d].byteOffset, coef.byteOffset, l.g0, l.net.kernels, l.positions, N, N + 1, out.byteOffset);
      } else convForward(m, l, prev, out, w.nodes[li]!, coef, B);
    }
    else if (l.kind === 'pool') poolForward(l, prev, out, w.argRow[li]!, B);
    else forwardLayer(prev, out, B, m.a, m.b, coef, l.g0, l.width);
    prev = out;
  });
  return prev;
}

type ConvL = Extract<ModelLayer, { kind: 'conv' }>;
type PoolL = Extract<ModelLayer, { kind: 'pool' }>;

function convForward(m: ConvModel, l: ConvL, prev: Vec, out: Vec, nodes: Vec, coef: Vec, B: number): void {
  const d = l.net.depth, L = 2 ** d, N = L - 1, P = l.positions;
  const ca = m.childA[d], cb = m.childB[d];
  for (let k = 0; k < l.net.kernels; k++) {
    const gk = l.g0 + k * N;
    for (let p = 0; p < P; p++) {
      const t = k * P + p;
      const nb = t * N * B;
      const lb = t * L;
      for (let i = 0; i < N; i++) {
        const g = 4 * (gk + i);
        const c1 = coef[g], c_a = coef[g + 1], c_b = coef[g + 2], cab = coef[g + 3];
        const A = ca[i] < 0 ? prev : nodes, Bv = cb[i] < 0 ? prev : nodes;
        const ra = ca[i] < 0 ? l.leafRow[lb - 1 - ca[i]] * B : nb + ca[i] * B;
        const rb = cb[i] < 0 ? l.leafRow[lb - 1 - cb[i]] * B : nb + cb[i] * B;
        const ro = nb + i * B;
        for (let s = 0; s < B; s++) {
          const x = A[ra + s], y = Bv[rb + s];
          nodes[ro + s] = c1 + c_a * x + c_b * y + cab * x * y;
        }
      }
      const root = nb + (N - 1) * B;
      for (let s = 0; s < B; s++) out[t * B + s] = nodes[root + s];
    }
  }
}

function poolForward(l: PoolL, prev: Vec, out: Vec, arg: Int32Array, B: number): void {
  const n = l.window;
  for (let o = 0; o < l.width; o++) {
    const wb = o * n;
    const r0 = l.winRow[wb];
    for (let s = 0; s < B; s++) {
      out[o * B + s] = prev[r0 * B + s];
      arg[o * B + s] = r0;
    }
    for (let i = 1; i < n; i++) {
      const r = l.winRow[wb + i];
      for (let s = 0; s < B; s++) {
        const v = prev[r * B + s];
        if (v > out[o * B + s]) {
          out[o * B + s] = v;
          arg[o * B + s] = r;
        }
      }
    }
  }
}

/**
 * The backward pass from gout (dL/d(last layer), B per row, in w.g0 or any buffer of that
 * size): adds coefficient gradients (4 per gate, shared kernels summed over positions) to dcoef.
 * The forward pass must have run on the same samples.
 */
export function backwardConv(m: ConvModel, w: ConvWork, coef: Vec, dcoef: Vec, gout0: Vec, B: number): void {
  let gout = gout0;
  let gin = gout0 === w.g0 ? w.g1 : w.g0;
  for (let li = m.layers.length - 1; li >= 0; li--) {
    const l = m.layers[li];
    const prev = li > 0 ? w.acts[li - 1] : w.x;
    // The first layer's input gradient is not needed; the rest get theirs (zero row included).
    const gi = li > 0 ? gin.subarray(0, (l.inWidth + 1) * B).fill(0) : null;
    if (l.kind === 'conv') {
      if (w.simd) {
        const d = l.net.depth, N = treeGates(d);
        w.simd.k.convBackward(prev.byteOffset, w.nodes[li]!.byteOffset, B, w.simd.leaf[li]!.byteOffset, w.simd.childA[d].byteOffset, w.simd.childB[d].byteOffset, coef.byteOffset, l.g0, l.net.kernels, l.positions, N, N + 1,
          gout.byteOffset, gi ? gi.byteOffset : 0, w.gnode.byteOffset, dcoef.byteOffset);
      } else convBackward(m, l, prev, w.nodes[li]!, gout, gi, w.gnode, coef, dcoef, B);
    }
    else if (l.kind === 'pool') { if (gi) poolBackward(l, gout, gi, w.argRow[li]!, B); }
    else backwardLayer(prev, gout, gi, B, m.a, m.b, coef, dcoef, l.g0, l.width);
    const t = gout;
    gout = gin;
    gin = t;
  }
}

function convBackward(m: ConvModel, l: ConvL, prev: Vec, nodes: Vec, gout: Vec, gin: Vec | null, gn: Vec, coef: Vec, dcoef: Vec, B: number): void {
  const d = l.net.depth, L = 2 ** d, N = L - 1, P = l.positions;
  const ca = m.childA[d], cb = m.childB[d];
  for (let k = 0; k < l.net.kernels; k++) {
    const gk = l.g0 + k * N;
    for (let p = 0; p < P; p++) {
      const t = k * P + p;
      const nb = t * N * B;
      const lb = t * L;
      // Root gradient, then down the tree: each node has one parent, so its gradient is set, not summed.
      gn.set(gout.subarray(t * B, t * B + B), (N - 1) * B);
      for (let i = N - 1; i >= 0; i--) {
        const g = 4 * (gk + i);
        const c_a = coef[g + 1], c_b = coef[g + 2], cab = coef[g + 3];
        const leafA = ca[i] < 0, leafB = cb[i] < 0;
        const A = leafA ? prev : nodes, Bv = leafB ? prev : nodes;
        const ra = leafA ? l.leafRow[lb - 1 - ca[i]] * B : nb + ca[i] * B;
        const rb = leafB ? l.leafRow[lb - 1 - cb[i]] * B : nb + cb[i] * B;
        const go0 = i * B;
        let d1 = 0, da = 0, db = 0, dab = 0;
        // Node children: gradient rows in gn; leaf children: into gin (when wanted).
        const ga = leafA ? gin : gn, gb = leafB ? gin : gn;
        const oa = leafA ? ra : ca[i] * B, ob = leafB ? rb : cb[i] * B;
        if (ga && gb) {
          for (let s = 0; s < B; s++) {
            const go = gn[go0 + s], x = A[ra + s], y = Bv[rb + s];
            d1 += go; da += go * x; db += go * y; dab += go * x * y;
            const gx = go * (c_a + cab * y), gy = go * (c_b + cab * x);
            if (leafA) ga[oa + s] += gx; else ga[oa + s] = gx;
            if (leafB) gb[ob + s] += gy; else gb[ob + s] = gy;
          }
        } else {
          // Leaves of the first layer (no input gradient); a level-0 node has both children leaves.
          for (let s = 0; s < B; s++) {
            const go = gn[go0 + s], x = A[ra + s], y = Bv[rb + s];
            d1 += go; da += go * x; db += go * y; dab += go * x * y;
          }
        }
        dcoef[g] += d1;
        dcoef[g + 1] += da;
        dcoef[g + 2] += db;
        dcoef[g + 3] += dab;
      }
    }
  }
}

function poolBackward(l: PoolL, gout: Vec, gin: Vec, arg: Int32Array, B: number): void {
  for (let o = 0; o < l.width; o++) {
    for (let s = 0; s < B; s++) gin[arg[o * B + s] * B + s] += gout[o * B + s];
  }
}

/**
 * The v2 netlist of the model with every gate frozen (iwp: truth table rounded at 0.5;
 * softmax16: argmax op). With more than one threshold per pixel a first gate layer of wires
 * (op A) puts the encoding's pixel-major bits into the conv layer's channel-major order.
 */
export function freezeConvModel(
  m: ConvModel, param: ParamKind, rho: Rho, logits: Vec, name: string, encoding: ThresholdEncoding, tau: number, meta: Record<string, unknown>,
): NetlistV2 {
  const frozenOp = paramOf(param, rho).frozenOp;
  const layers: LayerV2[] = [];
  if (m.inputShape[0] > 1) {
    const a = Array.from(m.perm);
    layers.push({ a, b: a.slice(), op: new Array<number>(a.length).fill(3) } satisfies GateLayer);
  }
  let flattened = false;
  for (const l of m.layers) {
    if (l.kind === 'conv') {
      const N = treeGates(l.net.depth);
      const op = Array.from({ length: l.net.kernels }, (_, k) => Array.from({ length: N }, (_, i) => frozenOp(logits, l.g0 + k * N + i)));
      layers.push({ ...l.net, leaves: l.net.leaves.map((ls) => ls.map((x) => [...x] as [number, number, number])), op });
    } else if (l.kind === 'pool') layers.push({ ...l.net });
    else {
      if (!flattened) layers.push({ kind: 'flatten' });
      flattened = true;
      layers.push({ a: Array.from(m.a.subarray(l.g0, l.g0 + l.width)), b: Array.from(m.b.subarray(l.g0, l.g0 + l.width)), op: Array.from({ length: l.width }, (_, j) => frozenOp(logits, l.g0 + j)) });
    }
  }
  return { format: 'lgn-netlist', version: 2, name, inputs: m.inputs, encoding, layers, output: { kind: 'groupsum', classes: m.classes, tau }, meta };
}

/** work.x[i·B + s] = encoded bit perm[i] of sample idx[s] (bit slices with `words` words per row). */
export function gatherConv(m: ConvModel, w: ConvWork, bits: Uint32Array, words: number, idx: Int32Array, B: number): void {
  const x = w.x;
  for (let s = 0; s < B; s++) {
    const n = idx[s];
    const word = n >>> 5;
    const sh = n & 31;
    for (let i = 0; i < m.inputs; i++) x[i * B + s] = (bits[m.perm[i] * words + word] >>> sh) & 1;
  }
}
