// `lgnc flatten`: a v2 netlist unrolled into plain gate layers with "from": "all", so any tool
// that knows gates can read a conv model. Conv trees are written out at every position (one
// gate layer per tree level), OR pooling becomes OR gates (one layer per level of each
// window's OR tree), flatten maps signals through, and gate layers keep their gates.
//
// Order of the unrolled gates of a layer (what `LayerOrigin` ranges count on):
//   conv: level by level; within a level, gate g of kernel k at (y, x) is gate
//         ((k·H' + y)·W' + x)·n + g (n gates per level), so the root level is the conv's
//         output in channel-major order;
//   orpool: level by level; within a level, windows in channel-major order; a window's
//         in-range inputs (row-major) are OR-ed in pairs from the front, only as many pairs
//         as the levels left need, the rest carried; the last level holds every window's
//         result (the OR of its last two, a lone input through an A gate, a window entirely in
//         the padding as a FALSE gate) — n − 1 gates for n ≥ 2 inputs;
//   flatten: no gates, except as the last layer: one A (pass-through) gate per signal.
// A leaf in the padding is the constant 0, folded into the truth table of the gate reading it.
// Guarantees: the result predicts exactly what the source predicts (same scores, same class,
// for every input: the tests check it on random conv nets), and has gateCount(source) gates.

import { opBit, opFromTable } from './gates.js';
import {
  convLeafSignals, convOutputShape, layerKind, layerShape, poolOutputShape, poolWindowSignals, treeGates,
  type LayerKind,
} from './layers.js';
import type { AnyNetlist, ConvLayer, GateLayer, NetlistV2, OrPoolLayer, Shape } from './netlist.js';

/** Which unrolled gates came from which layer of the source netlist. */
export interface LayerOrigin {
  /** Index of the layer in the source netlist. */
  layer: number;
  kind: LayerKind;
  /** Its gates are [firstGate, firstGate + gates) of the unrolled network (gates counted from 0). */
  firstGate: number;
  gates: number;
  /** Output shape of conv and orpool layers ([channels, height, width]); null for the others. */
  shape: Shape | null;
  /** Conv only: the kernel parameters the gates were unrolled from. */
  conv?: { kernels: number; depth: number; receptiveField: [number, number]; stride: number; padding: number };
}

export interface Unrolled {
  /** Plain gate layers, every one "from": "all". */
  netlist: NetlistV2;
  origin: LayerOrigin[];
}

const OP_A = 3;
const OP_OR = 7;
const OP_FALSE = 0;

/** Collects the unrolled gate layers; a signal's index is its place in [inputs, gates…]. */
class FlatBuilder {
  layers: { from: 'all'; a: number[]; b: number[]; op: number[] }[] = [];
  private cur: { from: 'all'; a: number[]; b: number[]; op: number[] } | null = null;
  gates = 0;

  constructor(readonly inputs: number) {}

  /** Starts a new gate layer (an empty one is dropped). */
  layer(): void {
    this.cur = { from: 'all', a: [], b: [], op: [] };
    this.layers.push(this.cur);
  }

  /** Adds gate op(a, b); a or b = −1 is the constant 0, folded into the op. Returns its signal. */
  gate(op: number, a: number, b: number): number {
    if (a < 0 || b < 0) {
      const t: number[] = [];
      for (let A = 0; A < 2; A++) for (let B = 0; B < 2; B++) t.push(opBit(op, a < 0 ? 0 : A, b < 0 ? 0 : B));
      op = opFromTable(t);
      const real = a >= 0 ? a : b >= 0 ? b : 0;
      if (a < 0) a = real;
      if (b < 0) b = real;
    }
    const cur = this.cur!;
    cur.a.push(a);
    cur.b.push(b);
    cur.op.push(op);
    return this.inputs + this.gates++;
  }

  finish(): typeof this.layers {
    return this.layers.filter((l) => l.op.length > 0);
  }
}

/** The unrolled netlist and where its gates came from. */
export function unrollNetlist(net: AnyNetlist): Unrolled {
  const f = new FlatBuilder(net.inputs);
  // Unrolled signal of every source signal: the concatenation [inputs, layer 0, …].
  const all: number[] = Array.from({ length: net.inputs }, (_, i) => i);
  let prev: number[] = all.slice();
  const origin: LayerOrigin[] = [];
  const layers = net.layers as NetlistV2['layers'];
  layers.forEach((layer, l) => {
    const kind = layerKind(layer);
    const first = f.gates;
    let out: number[];
    switch (kind) {
      case 'gates': {
        const g = layer as GateLayer;
        const src = g.from === 'all' ? all : prev;
        f.layer();
        out = g.op.map((op, i) => f.gate(op, src[g.a[i]], src[g.b[i]]));
        break;
      }
      case 'conv': out = unrollConv(layer as ConvLayer, prev, f); break;
      case 'orpool': out = unrollPool(layer as OrPoolLayer, prev, f); break;
      case 'flatten':
        if (l === layers.length - 1) {
          f.layer();
          out = prev.map((s) => f.gate(OP_A, s, s));
        } else out = prev;
        break;
    }
    const o: LayerOrigin = { layer: l, kind, firstGate: first, gates: f.gates - first, shape: kind === 'flatten' ? null : layerShape(layer) };
    if (kind === 'conv') {
      const c = layer as ConvLayer;
      o.conv = { kernels: c.kernels, depth: c.depth, receptiveField: c.receptiveField, stride: c.stride, padding: c.padding };
    }
    origin.push(o);
    for (const s of out) all.push(s);
    prev = out;
  });
  const netlist: NetlistV2 = {
    format: 'lgn-netlist',
    version: 2,
    name: net.name,
    inputs: net.inputs,
    ...(net.encoding ? { encoding: net.encoding } : {}),
    layers: f.finish(),
    output: net.output,
    meta: {
      ...(net.meta ?? {}),
      flattenedFrom: { version: net.version, layers: origin.map((o) => ({ layer: o.layer, kind: o.kind, firstGate: o.firstGate, gates: o.gates, ...(o.shape ? { shape: o.shape } : {}) })) },
    },
  };
  return { netlist, origin };
}

/** `lgnc flatten`: the equivalent netlist of plain "from": "all" gate layers. */
export function flattenNetlist(net: AnyNetlist): NetlistV2 {
  return unrollNetlist(net).netlist;
}

function unrollConv(layer: ConvLayer, prev: number[], f: FlatBuilder): number[] {
  const [K, Ho, Wo] = convOutputShape(layer);
  const P = Ho * Wo;
  const leaves = 2 ** layer.depth;
  const sig = new Int32Array(leaves);
  // Level 0: gate g of (k, y, x) reads leaves 2g, 2g+1.
  let n = leaves / 2;
  let level: number[] = [];
  f.layer();
  for (let k = 0; k < K; k++) {
    for (let y = 0; y < Ho; y++) {
      for (let x = 0; x < Wo; x++) {
        convLeafSignals(layer, k, y, x, sig);
        for (let g = 0; g < n; g++) {
          const a = sig[2 * g] < 0 ? -1 : prev[sig[2 * g]];
          const b = sig[2 * g + 1] < 0 ? -1 : prev[sig[2 * g + 1]];
          level.push(f.gate(layer.op[k][g], a, b));
        }
      }
    }
  }
  // Level ℓ: gate g reads gates 2g, 2g+1 of level ℓ − 1 at the same (k, y, x).
  let opAt = n;
  for (let m = n >> 1; m >= 1; m >>= 1) {
    f.layer();
    const next: number[] = [];
    for (let p = 0; p < K * P; p++) {
      const k = Math.floor(p / P);
      for (let g = 0; g < m; g++) next.push(f.gate(layer.op[k][opAt + g], level[p * n + 2 * g], level[p * n + 2 * g + 1]));
    }
    opAt += m;
    level = next;
    n = m;
  }
  if (opAt !== treeGates(layer.depth)) throw new Error('unrollConv: tree levels do not add up (a bug)');
  return level;
}

function unrollPool(layer: OrPoolLayer, prev: number[], f: FlatBuilder): number[] {
  const [C, Ho, Wo] = poolOutputShape(layer);
  const levels = Math.max(1, Math.ceil(Math.log2(layer.size * layer.size)));
  const items: number[][] = [];
  for (let c = 0; c < C; c++) {
    for (let y = 0; y < Ho; y++) {
      for (let x = 0; x < Wo; x++) items.push(poolWindowSignals(layer, c, y, x).map((s) => prev[s]));
    }
  }
  for (let lv = 0; lv < levels - 1; lv++) {
    f.layer();
    // Pair only as many as the levels left need, so the root level ORs the last two.
    const room = 2 ** (levels - 1 - lv);
    for (let w = 0; w < items.length; w++) {
      const it = items[w];
      const pairs = Math.max(0, it.length - room);
      const next: number[] = [];
      for (let i = 0; i < pairs; i++) next.push(f.gate(OP_OR, it[2 * i], it[2 * i + 1]));
      for (let i = 2 * pairs; i < it.length; i++) next.push(it[i]);
      items[w] = next;
    }
  }
  f.layer();
  return items.map((it) => {
    if (it.length > 2) throw new Error('unrollPool: window not reduced (a bug)');
    if (it.length === 2) return f.gate(OP_OR, it[0], it[1]);
    if (it.length === 1) return f.gate(OP_A, it[0], it[0]);
    return f.gate(OP_FALSE, 0, 0);
  });
}
