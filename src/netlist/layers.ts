// The geometry of lgn-netlist v2 layers (conv logic trees, OR pooling, flatten, gate layers that
// read any earlier signal), and the semantic checks of a v2 layer list. The evaluator, `lgnc
// flatten`, the IR builder and the summary all read the shapes and signal indices from here.
//
// Signals: every layer has a flat vector of output signals. A shaped signal vector
// [C, H, W] is channel-major: channel c at row y, column x is signal c·H·W + y·W + x (PyTorch's
// NCHW order, so `flatten` and the Group-Sum read it as torchlogix does). "from": "all" indices
// point into the concatenation [inputs, layer 0, …, layer l−1].
// Guarantees: checkLayersV2 refuses every layer list whose shapes do not chain, whose windows
// do not fit their input, or whose indices are out of range, with the JSON path of the fault.

import type { ConvLayer, GateLayer, LayerV2, OrPoolLayer, Shape } from './netlist.js';

export type LayerKind = 'gates' | 'conv' | 'orpool' | 'flatten';

export function layerKind(l: LayerV2): LayerKind {
  return (l as { kind?: LayerKind }).kind ?? 'gates';
}

export const shapeSize = (s: Shape): number => s[0] * s[1] * s[2];
export const shapeText = (s: Shape): string => `${s[0]} × ${s[1]} × ${s[2]}`;

/** Output positions along one axis: ⌊(n + 2·padding − window) / stride⌋ + 1 (0 when the window does not fit). */
export function positions(n: number, window: number, stride: number, padding: number): number {
  const span = n + 2 * padding - window;
  return span < 0 ? 0 : Math.floor(span / stride) + 1;
}

export function convOutputShape(l: ConvLayer): Shape {
  const [, H, W] = l.input;
  const [RH, RW] = l.receptiveField;
  return [l.kernels, positions(H, RH, l.stride, l.padding), positions(W, RW, l.stride, l.padding)];
}

export function poolOutputShape(l: OrPoolLayer): Shape {
  const [C, H, W] = l.input;
  return [C, positions(H, l.size, l.stride, l.padding), positions(W, l.size, l.stride, l.padding)];
}

/** Gates of one conv kernel: a complete binary tree of depth d has 2^d leaves and 2^d − 1 gates. */
export const treeGates = (depth: number): number => 2 ** depth - 1;

/** The input signal (c, y, x) of a shaped vector, or −1 where (y, x) falls in the zero padding. */
export function shapedSignal(s: Shape, c: number, y: number, x: number): number {
  return y < 0 || y >= s[1] || x < 0 || x >= s[2] ? -1 : (c * s[1] + y) * s[2] + x;
}

/**
 * The input signals (−1 for padding) of every leaf of kernel k at output position (y, x):
 * leaf j = [c, dy, dx] reads input (c, y·stride + dy − padding, x·stride + dx − padding).
 */
export function convLeafSignals(l: ConvLayer, k: number, y: number, x: number, out: Int32Array): Int32Array {
  const leaves = l.leaves[k];
  const y0 = y * l.stride - l.padding;
  const x0 = x * l.stride - l.padding;
  for (let j = 0; j < leaves.length; j++) {
    const [c, dy, dx] = leaves[j];
    out[j] = shapedSignal(l.input, c, y0 + dy, x0 + dx);
  }
  return out;
}

/** The input signals of the OR-pool window of channel c at (y, x), row-major, padding left out. */
export function poolWindowSignals(l: OrPoolLayer, c: number, y: number, x: number): number[] {
  const sig: number[] = [];
  const y0 = y * l.stride - l.padding;
  const x0 = x * l.stride - l.padding;
  for (let dy = 0; dy < l.size; dy++) {
    for (let dx = 0; dx < l.size; dx++) {
      const s = shapedSignal(l.input, c, y0 + dy, x0 + dx);
      if (s >= 0) sig.push(s);
    }
  }
  return sig;
}

/** OR gates that pool n signals (n − 1), or the one gate that passes a lone signal (or a constant 0) on. */
export const poolWindowGates = (n: number): number => Math.max(1, n - 1);

/** Output signals of a layer, given the previous layer's width. */
export function layerWidth(l: LayerV2, prevWidth: number): number {
  switch (layerKind(l)) {
    case 'gates': return (l as GateLayer).op.length;
    case 'conv': return shapeSize(convOutputShape(l as ConvLayer));
    case 'orpool': return shapeSize(poolOutputShape(l as OrPoolLayer));
    case 'flatten': return prevWidth;
  }
}

/** Output shape of a layer, or null for layers whose output has none (gates, flatten). */
export function layerShape(l: LayerV2): Shape | null {
  const kind = layerKind(l);
  if (kind === 'conv') return convOutputShape(l as ConvLayer);
  if (kind === 'orpool') return poolOutputShape(l as OrPoolLayer);
  return null;
}

/** Output widths of every layer. */
export function layerWidths(inputs: number, layers: LayerV2[]): number[] {
  const widths: number[] = [];
  let prev = inputs;
  for (const l of layers) widths.push((prev = layerWidth(l, prev)));
  return widths;
}

/**
 * Two-input gates a layer unrolls to (what `lgnc flatten` writes for it): one per gate of a
 * gate layer; kernels × positions × (2^depth − 1) for a conv layer; per pooling window
 * max(1, n − 1) for its n in-range inputs; none for flatten (unless it is the last layer,
 * which then needs a pass-through gate per signal so the Group-Sum reads gates).
 */
export function unrolledGates(l: LayerV2, prevWidth: number, isLast: boolean): number {
  switch (layerKind(l)) {
    case 'gates': return (l as GateLayer).op.length;
    case 'conv': {
      const c = l as ConvLayer;
      const [K, H, W] = convOutputShape(c);
      return K * H * W * treeGates(c.depth);
    }
    case 'orpool': {
      const p = l as OrPoolLayer;
      const [C, H, W] = poolOutputShape(p);
      let n = 0;
      for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) n += poolWindowGates(poolWindowSignals(p, 0, y, x).length);
      return C * n;
    }
    case 'flatten': return isLast ? prevWidth : 0;
  }
}

/** Gates stored in the file: gate layers' gates plus each conv kernel's tree once (shared over positions). */
export function storedGates(l: LayerV2): number {
  const kind = layerKind(l);
  if (kind === 'gates') return (l as GateLayer).op.length;
  if (kind === 'conv') return (l as ConvLayer).kernels * treeGates((l as ConvLayer).depth);
  return 0;
}

type Fail = (path: string, problem: string) => never;

/** Semantic checks of v2 layers (after the schema); returns the last layer's width. */
export function checkLayersV2(inputs: number, layers: LayerV2[], fail: Fail): number {
  let prevWidth = inputs;
  let prevShape: Shape | null = null;
  let total = inputs; // signals in [inputs, layer 0, …, layer l−1]
  layers.forEach((layer, l) => {
    const at = `/layers/${l}`;
    const from = l === 0 ? `the ${inputs} inputs` : `layer ${l - 1}`;
    const kind = layerKind(layer);
    if (kind === 'gates') checkGates(layer as GateLayer, at, l, prevWidth, total, inputs, fail);
    else if (kind === 'conv' || kind === 'orpool') {
      const input = (layer as ConvLayer | OrPoolLayer).input;
      if (shapeSize(input) !== prevWidth) {
        fail(`${at}/input`, `shapes do not chain: input ${shapeText(input)} is ${shapeSize(input)} signals, but ${from} ${l === 0 ? 'are' : 'outputs'} ${prevShape ? `${shapeText(prevShape)} = ` : ''}${prevWidth} signals`);
      }
      if (prevShape && (prevShape[0] !== input[0] || prevShape[1] !== input[1] || prevShape[2] !== input[2])) {
        fail(`${at}/input`, `shapes do not chain: layer ${l - 1} outputs ${shapeText(prevShape)}, not ${shapeText(input)} (channels × height × width); give "input": ${JSON.stringify(prevShape)}`);
      }
      if (kind === 'conv') checkConv(layer as ConvLayer, at, fail);
      else checkPool(layer as OrPoolLayer, at, fail);
    }
    const width = layerWidth(layer, prevWidth);
    prevShape = kind === 'flatten' ? null : layerShape(layer);
    prevWidth = width;
    total += width;
  });
  return prevWidth;
}

function checkGates(layer: GateLayer, at: string, l: number, prevWidth: number, total: number, inputs: number, fail: Fail): void {
  const n = layer.op.length;
  if (layer.a.length !== n || layer.b.length !== n) {
    fail(at, `arrays "a" (${layer.a.length}), "b" (${layer.b.length}) and "op" (${n}) must have the same length, one entry per gate`);
  }
  if (n === 0) fail(at, 'layer has no gates: every layer needs at least one gate');
  const all = layer.from === 'all';
  const range = all ? total : prevWidth;
  const from = all
    ? `[inputs, layer 0, …, layer ${l - 1}] ("from": "all"), ${total} signals`
    : l === 0 ? `the ${inputs} inputs` : `layer ${l - 1}, which has ${prevWidth} signals`;
  for (const key of ['a', 'b'] as const) {
    const idx = layer[key];
    for (let g = 0; g < n; g++) {
      if (idx[g] >= range) fail(`${at}/${key}/${g}`, `index ${idx[g]} is out of range: gate ${g} reads ${from} (valid 0..${range - 1})`);
    }
  }
}

function checkConv(layer: ConvLayer, at: string, fail: Fail): void {
  const [C, H, W] = layer.input;
  const [RH, RW] = layer.receptiveField;
  if (RH > H + 2 * layer.padding || RW > W + 2 * layer.padding) {
    fail(`${at}/receptiveField`, `the receptive field ${RH} × ${RW} does not fit the input ${H} × ${W} with padding ${layer.padding}: it reaches outside the input at every position (make it smaller or pad more)`);
  }
  const K = layer.kernels;
  const leaves = 2 ** layer.depth;
  const gates = treeGates(layer.depth);
  if (layer.leaves.length !== K) fail(`${at}/leaves`, `has ${layer.leaves.length} kernels' leaves but "kernels" is ${K}: give one list of ${leaves} leaves per kernel`);
  if (layer.op.length !== K) fail(`${at}/op`, `has ${layer.op.length} kernels' ops but "kernels" is ${K}: give one list of ${gates} ops per kernel`);
  for (let k = 0; k < K; k++) {
    if (layer.leaves[k].length !== leaves) fail(`${at}/leaves/${k}`, `kernel ${k} has ${layer.leaves[k].length} leaves; a tree of depth ${layer.depth} has 2^${layer.depth} = ${leaves}`);
    if (layer.op[k].length !== gates) fail(`${at}/op/${k}`, `kernel ${k} has ${layer.op[k].length} ops; a tree of depth ${layer.depth} has 2^${layer.depth} − 1 = ${gates} gates`);
    layer.leaves[k].forEach(([c, dy, dx], j) => {
      if (c >= C) fail(`${at}/leaves/${k}/${j}/0`, `channel ${c} is out of range: the input has ${C} channels (valid 0..${C - 1})`);
      if (dy >= RH) fail(`${at}/leaves/${k}/${j}/1`, `row offset ${dy} is outside the ${RH} × ${RW} receptive field (valid 0..${RH - 1})`);
      if (dx >= RW) fail(`${at}/leaves/${k}/${j}/2`, `column offset ${dx} is outside the ${RH} × ${RW} receptive field (valid 0..${RW - 1})`);
    });
  }
}

function checkPool(layer: OrPoolLayer, at: string, fail: Fail): void {
  const [, H, W] = layer.input;
  if (layer.size > H + 2 * layer.padding || layer.size > W + 2 * layer.padding) {
    fail(`${at}/size`, `the pooling window ${layer.size} × ${layer.size} does not fit the input ${H} × ${W} with padding ${layer.padding}`);
  }
}
