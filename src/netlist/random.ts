// Random netlists with a seed (v1 gate layers; v2 conv nets): the compiler's and the benches'
// input until trained models exist, and the property tests' generator. Ops are drawn from all 16 (constants included),
// and a share of gates read the same signal twice (a == b), the edge cases passes must handle.

import { convOutputShape, layerWidths, poolOutputShape, shapeSize } from './layers.js';
import type { ConvLayer, GateLayer, LayerV2, Netlist, NetlistV2, OrPoolLayer, Shape } from './netlist.js';
import { mulberry32 } from './vectors.js';

export interface RandomNetlistOptions {
  inputs: number;
  /** Gates per layer; the last must be divisible by `classes`. */
  widths: number[];
  classes: number;
  seed: number;
  /** Fraction of gates with a == b (default 0.05). */
  sameInputRate?: number;
  name?: string;
}

export function randomNetlist(o: RandomNetlistOptions): Netlist {
  const rand = mulberry32(o.seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const same = o.sameInputRate ?? 0.05;
  let prev = o.inputs;
  const layers = o.widths.map((width) => {
    const a = new Array<number>(width);
    const b = new Array<number>(width);
    const op = new Array<number>(width);
    for (let g = 0; g < width; g++) {
      a[g] = pick(prev);
      b[g] = rand() < same ? a[g] : pick(prev);
      op[g] = pick(16);
    }
    prev = width;
    return { a, b, op };
  });
  return {
    format: 'lgn-netlist',
    version: 1,
    name: o.name ?? `random_${o.seed}`,
    inputs: o.inputs,
    layers,
    output: { kind: 'groupsum', classes: o.classes, tau: 1 },
    meta: { generator: 'lgnc random', seed: o.seed },
  };
}

export interface RandomConvOptions {
  seed: number;
  /** Input shape [channels, height, width] (default: drawn, 1–2 × 4–8 × 4–8). */
  input?: Shape;
  /** Classes of the Group-Sum (default: drawn, 2–4). */
  classes?: number;
  name?: string;
}

/**
 * A random v2 network with a seed: one or two conv layers (receptive field, stride, padding,
 * kernels and depth drawn; leaves anywhere in the field, padding included), OR pooling with
 * and without padding, then either a Group-Sum straight over the last conv/pool output or
 * flatten and gate layers, one of which reads every earlier signal ("from": "all"). Ops are
 * drawn from all 16. Small enough for exhaustive and property tests.
 */
export function randomConvNetlist(o: RandomConvOptions): NetlistV2 {
  const rand = mulberry32(o.seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const between = (lo: number, hi: number) => lo + pick(hi - lo + 1);
  let shape: Shape = o.input ?? [between(1, 2), between(4, 8), between(4, 8)];
  const inputs = shapeSize(shape);
  const layers: LayerV2[] = [];
  const convs = between(1, 2);
  for (let i = 0; i < convs; i++) {
    const padding = pick(2);
    const rh = Math.min(between(1, 3), shape[1] + 2 * padding);
    const rw = Math.min(between(1, 3), shape[2] + 2 * padding);
    const depth = between(1, 3);
    const kernels = between(1, 3);
    const conv = randomConv(shape, [rh, rw], between(1, 2), padding, kernels, depth, pick);
    layers.push(conv);
    shape = convOutputShape(conv);
    if (shape[1] >= 2 && shape[2] >= 2 && rand() < 0.6) {
      const pool: OrPoolLayer = { kind: 'orpool', input: shape, size: 2, stride: between(1, 2), padding: pick(2) };
      layers.push(pool);
      shape = poolOutputShape(pool);
    }
  }
  const width = shapeSize(shape);
  if (o.classes === undefined && rand() < 0.25) {
    // Group-Sum over the channels of the last shaped layer.
    return convNet(o, inputs, layers, shape[0], rand);
  }
  const classes = o.classes ?? between(2, 4);
  layers.push({ kind: 'flatten' });
  const hidden = between(4, 12);
  layers.push(randomGates(hidden, width, pick, 'previous'));
  const total = layerWidths(inputs, layers).reduce((s, w) => s + w, inputs);
  layers.push(randomGates(classes * between(1, 4), total, pick, 'all'));
  return convNet(o, inputs, layers, classes, rand);
}

/** A conv layer with leaves drawn anywhere in the receptive field and ops from all 16. */
function randomConv(input: Shape, field: [number, number], stride: number, padding: number, kernels: number, depth: number, pick: (n: number) => number): ConvLayer {
  return {
    kind: 'conv', input, receptiveField: field, stride, padding, kernels, depth,
    leaves: Array.from({ length: kernels }, () => Array.from({ length: 2 ** depth }, (): [number, number, number] => [pick(input[0]), pick(field[0]), pick(field[1])])),
    op: Array.from({ length: kernels }, () => Array.from({ length: 2 ** depth - 1 }, () => pick(16))),
  };
}

/**
 * A random network of the LogicTreeNet MNIST architecture (torchlogix's ClgnMnist, k = 16 is
 * "small"): conv 5×5 (k kernels, depth 3) → OR pool 2 → conv 3×3 (3k) → OR pool 2, pad 1 →
 * conv 3×3 (9k) → OR pool 2, pad 1 → flatten → gates 1280k → 640k → 320k → Group-Sum over 10.
 * For benchmarks: the sizes of a real conv model, with random leaves, ops and connections.
 */
export function randomClgnMnist(o: { seed: number; k: number; name?: string }): NetlistV2 {
  const rand = mulberry32(o.seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const { k } = o;
  const layers: LayerV2[] = [];
  let shape: Shape = [1, 28, 28];
  const stage = (kernels: number, field: number, poolPadding: number) => {
    const conv = randomConv(shape, [field, field], 1, 0, kernels, 3, pick);
    const pool: OrPoolLayer = { kind: 'orpool', input: convOutputShape(conv), size: 2, stride: 2, padding: poolPadding };
    layers.push(conv, pool);
    shape = poolOutputShape(pool);
  };
  stage(k, 5, 0);
  stage(3 * k, 3, 1);
  stage(9 * k, 3, 1);
  layers.push({ kind: 'flatten' });
  let prev = shapeSize(shape);
  for (const n of [1280 * k, 640 * k, 320 * k]) {
    layers.push(randomGates(n, prev, pick, 'previous'));
    prev = n;
  }
  return {
    format: 'lgn-netlist', version: 2, name: o.name ?? `random_clgn_mnist_k${k}`, inputs: 784, layers,
    output: { kind: 'groupsum', classes: 10, tau: 6.5 }, meta: { generator: 'lgnc random clgn-mnist', seed: o.seed, k },
  };
}

function randomGates(n: number, range: number, pick: (n: number) => number, from: 'previous' | 'all'): GateLayer {
  const a = Array.from({ length: n }, () => pick(range));
  return { ...(from === 'all' ? { from } : {}), a, b: a.map((x) => (pick(20) === 0 ? x : pick(range))), op: a.map(() => pick(16)) };
}

function convNet(o: RandomConvOptions, inputs: number, layers: LayerV2[], classes: number, rand: () => number): NetlistV2 {
  return {
    format: 'lgn-netlist',
    version: 2,
    name: o.name ?? `random_conv_${o.seed}`,
    inputs,
    layers,
    output: { kind: 'groupsum', classes, tau: 1 + Math.floor(rand() * 4) },
    meta: { generator: 'lgnc random conv', seed: o.seed },
  };
}
