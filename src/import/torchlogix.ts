// import/torchlogix.ts — turns a loaded torchlogix checkpoint (LogicConv2d, OrPooling2d,
// Flatten, LogicDense, GroupSum) into an lgn-netlist v2. What it reads (README, "Trained with
// torchlogix?"):
//   - the architecture: the checkpoint's `arch` list (one dict per module, in forward order,
//     written by the helper in the README), because pooling, flatten and GroupSum hold no
//     tensors; a state dict of LogicDense layers alone needs no `arch`;
//   - LogicConv2d `<key>`: `tree_weights.<level>` [2^(d−1−level), kernels, 16 | 4] (level 0 =
//     the gates on leaf pairs) and `connections._indices_L0` [2, kernels, positions, 2^(d−1),
//     3] holding each leaf's (row, column, channel) in the padded input at every position;
//     levels ≥ 1 pair nodes (2g, 2g+1) (`_indices_L<level>` is checked to say so). Leaf 2g+i of
//     our tree is torchlogix's input i of node g, so trees, leaves and ops map 1:1;
//   - LogicDense `<key>`: `weight` [out, 16 | 4] and `connections.indices` [2, out] (fixed)
//     or, learnable, `connections.weights` + `connections.indices` [candidates, 2, out]
//     (eval: the argmax candidate);
//   - ops in eval mode: raw [., 16] → argmax (torchlogix's op order is the gate table);
//     light [., 4] → bit i = (w_i > 0); warp [., 4] Walsh coefficients → bit i = (s_i < 0) with
//     s = w0 + w1·B + w2·A + w3·A·B over A, B ∈ {+1, −1} (input 0 ↦ +1), summed in float32 in
//     that order as PyTorch does; entry i is the output for (A, B) = (i ≫ 1, i & 1).
// Guarantees: the result passes validateNetlist; every shape is checked against `arch`, every
// leaf position at every output position against one sliding kernel, with an error naming the
// tensor and the fix; the same checkpoint gives the same netlist.

import { opFromTable } from '../netlist/gates.js';
import { convOutputShape, poolOutputShape, shapeSize, shapeText } from '../netlist/layers.js';
import type { ConvLayer, GateLayer, LayerV2, NetlistV2, OrPoolLayer, Shape } from '../netlist/netlist.js';
import { validateNetlist } from '../netlist/netlist.js';
import { UserError } from '../util/errors.js';
import { Dict, TensorRef, Tuple, type Checkpoint, type PyValue } from './checkpoint.js';
import {
  argmaxOps, extraInt, extraNumber, finiteWeights, intElements, locateStateDict,
  type Fail, type ImportOptions, type ImportReport, type ImportResult,
} from './difflogic.js';

export type TorchlogixParametrization = 'raw' | 'warp' | 'light';

/** Whether a state dict looks like torchlogix's (conv tree weights, or `<key>.weight` + `<key>.connections.indices`). */
export function isTorchlogix(ckpt: Checkpoint): boolean {
  let sd: Dict;
  try {
    sd = locateStateDict(ckpt.root, ckpt.source).stateDict;
  } catch {
    return false;
  }
  return sd.keys.some((k) => typeof k === 'string' && (/\.tree_weights\.0$/.test(k) || /(^|\.)connections\.indices$/.test(k)));
}

interface ArchEntry {
  kind: string;
  key?: string;
  fields: Dict;
  at: string;
}

export function importTorchlogix(ckpt: Checkpoint, opts: ImportOptions): ImportResult {
  const src = ckpt.source;
  const fail: Fail = (problem) => {
    throw new UserError(`${src}: ${problem}`);
  };
  const warnings: string[] = [];
  const { stateDict: sd, extras } = locateStateDict(ckpt.root, src);
  const arch = readArch(extras, sd, fail);
  const used = new Set<string>();
  const tensor = (key: string, what: string): TensorRef => {
    const t = sd.get(key);
    if (!(t instanceof TensorRef)) fail(`${what}: no tensor "${key}" in the state dict (is "arch" from this model? its "key" must be the module's name in model.named_modules())`);
    used.add(key);
    return t as TensorRef;
  };
  let nearTies = 0;
  const tie = (n: number) => (nearTies += n);
  const params = new Set<TorchlogixParametrization>();
  const layers: LayerV2[] = [];
  const report: ImportReport['layers'] = [];
  let shape: Shape | null = null;
  let width: number | null = null; // signals the next layer reads
  let inputs: number | null = null;
  let inputsFrom: ImportReport['inputsFrom'] = opts.inputs !== undefined ? 'option' : 'checkpoint';
  let classes: number | undefined;
  let tau: number | undefined;

  for (const e of arch) {
    if (classes !== undefined) fail(`${e.at}: GroupSum must be the last module`);
    switch (e.kind) {
      case 'conv': {
        const f = e.fields;
        const [H, W] = pair(f, 'in_dim', e.at, fail);
        const C = int(f, 'channels', e.at, fail);
        const input: Shape = [C, H, W];
        if (width === null) inputs = shapeSize(input);
        else if (shape ? shapeText(shape) !== shapeText(input) : width !== shapeSize(input)) {
          fail(`${e.at}: LogicConv2d ${e.key} reads ${shapeText(input)} (channels × height × width), but the module before it outputs ${shape ? shapeText(shape) : `${width} signals`}`);
        }
        const conv = readConv(ckpt, e, input, tensor, opts, params, tie, fail);
        layers.push(conv);
        report.push({ key: e.key!, gates: conv.kernels * (2 ** conv.depth - 1) });
        shape = convOutputShape(conv);
        width = shapeSize(shape);
        break;
      }
      case 'orpool': {
        if (!shape) fail(`${e.at}: OrPooling2d needs a shaped input (a LogicConv2d or OrPooling2d before it)`);
        const pool: OrPoolLayer = { kind: 'orpool', input: shape!, size: square(e.fields, 'kernel_size', e.at, fail), stride: square(e.fields, 'stride', e.at, fail), padding: square(e.fields, 'padding', e.at, fail, 0) };
        layers.push(pool);
        shape = poolOutputShape(pool);
        width = shapeSize(shape);
        break;
      }
      case 'flatten':
        if (width === null) fail(`${e.at}: Flatten as the first module: give the input size to the first LogicDense instead`);
        layers.push({ kind: 'flatten' });
        shape = null;
        break;
      case 'dense': {
        const layer = readDense(ckpt, e, sd, tensor, opts, params, tie, fail);
        const inDim = e.fields.get('in_dim');
        if (width === null) {
          inputs = typeof inDim === 'number' ? inDim : opts.inputs ?? maxIndex(layer) + 1;
          if (typeof inDim !== 'number' && opts.inputs === undefined) inputsFrom = 'max index + 1';
          if (typeof inDim !== 'number' && opts.inputs === undefined) warnings.push(`the checkpoint does not say how many inputs the model has; assuming ${inputs} (largest index the first layer reads + 1). Pass --inputs N if the model has more.`);
        } else {
          if (shape) fail(`${e.at}: LogicDense ${e.key} after a ${shapeText(shape)} output needs a Flatten before it (torch.nn.Flatten)`);
          if (typeof inDim === 'number' && inDim !== width) fail(`${e.at}: LogicDense ${e.key} has in_dim ${inDim}, but the module before it outputs ${width} signals`);
        }
        const range = width ?? inputs!;
        for (const key of ['a', 'b'] as const) {
          const g = layer[key].findIndex((i) => i >= range);
          if (g >= 0) fail(`connections of ${e.key}: neuron ${g} input ${key === 'a' ? 0 : 1} is index ${layer[key][g]}, out of range: it reads ${range} signals (valid 0..${range - 1})`);
        }
        layers.push(layer);
        report.push({ key: e.key!, gates: layer.op.length });
        shape = null;
        width = layer.op.length;
        break;
      }
      case 'groupsum':
        classes = int(e.fields, 'k', e.at, fail);
        tau = num(e.fields, 'tau', e.at, fail);
        break;
      default:
        fail(`${e.at}: module kind "${e.kind}" is not supported (lgnc reads conv, orpool, flatten, dense and groupsum in a chain; residual blocks, 3-D layers and lut_rank ≠ 2 are not)`);
    }
  }
  if (layers.length === 0) fail('the architecture has no logic layers');
  if (opts.inputs !== undefined && opts.inputs !== inputs) fail(`--inputs ${opts.inputs} does not match the model, whose first layer reads ${inputs} signals`);
  classes = opts.classes ?? classes ?? extraInt(extras, 'classes', fail);
  if (classes === undefined) fail('how many classes? put GroupSum in "arch", or pass --classes K');
  tau = opts.tau ?? tau ?? extraNumber(extras, 'tau', fail);
  if (width! % classes! !== 0) fail(`the last layer has ${width} outputs, not divisible by ${classes} classes: is the class count right?`);
  if (nearTies > 0) warnings.push(`${nearTies} gate(s) sit within float rounding of a tie; lgnc resolves them as PyTorch's CPU eval mode does, but other backends may differ`);
  const ignored = sd.keys.filter((k): k is string => typeof k === 'string' && !used.has(k) && sd.get(k) instanceof TensorRef);
  if (ignored.some((k) => /thresholds$/.test(k))) warnings.push('the input binarization (thresholds) is not imported: the netlist reads the binarized bits in the order the first layer reads them (channel-major)');

  const netlist: NetlistV2 = {
    format: 'lgn-netlist',
    version: 2,
    name: opts.name,
    inputs: inputs!,
    layers,
    output: tau === undefined ? { kind: 'groupsum', classes: classes! } : { kind: 'groupsum', classes: classes!, tau },
    meta: { importedFrom: 'torchlogix-checkpoint', parametrization: [...params].sort(), layerKeys: report.map((r) => r.key) },
  };
  validateNetlist(netlist, src);
  return {
    netlist,
    report: {
      format: 'torchlogix',
      parametrization: [...params].sort().join(', '),
      indicesFrom: 'state-dict buffers',
      inputsFrom,
      layers: report,
      nearTies,
      ignored,
    },
    warnings,
  };
}

/** The `arch` list, or (no `arch`) a chain of the LogicDense layers the state dict holds. */
function readArch(extras: Dict | null, sd: Dict, fail: Fail): ArchEntry[] {
  const list = extras?.get('arch');
  if (list === undefined || list === null) {
    const conv = sd.keys.find((k) => typeof k === 'string' && /\.tree_weights\.0$/.test(k));
    if (conv) fail(`the checkpoint has conv layers (${conv}) but no "arch": pooling, flatten and GroupSum hold no tensors, so save the architecture next to the state dict (see "Trained with torchlogix?" in the README: torch.save({'model': model.state_dict(), 'arch': lgnc_arch(model)}, 'model.pt'))`);
    const dense = sd.keys.filter((k): k is string => typeof k === 'string' && /(^|\.)connections\.indices$/.test(k)).map((k) => k.replace(/\.?connections\.indices$/, ''));
    return dense.map((key, i) => ({ kind: 'dense', key, fields: new Dict(), at: `dense layer ${i} (${key})` }));
  }
  const items = Array.isArray(list) ? list : list instanceof Tuple ? list.items : null;
  if (!items) return fail('"arch" must be a list with one dict per module');
  return items.map((it, i) => {
    const at = `arch[${i}]`;
    if (!(it instanceof Dict)) fail(`${at} must be a dict like {'kind': 'conv', ...}`);
    const d = it as Dict;
    const kind = d.get('kind');
    if (typeof kind !== 'string') fail(`${at} has no "kind" string`);
    const key = d.get('key');
    if ((kind === 'conv' || kind === 'dense') && typeof key !== 'string') fail(`${at}: a ${kind} entry needs "key", the module's name in model.named_modules()`);
    return { kind: kind as string, key: key as string | undefined, fields: d, at };
  });
}

function readConv(
  ckpt: Checkpoint, e: ArchEntry, input: Shape, tensor: (k: string, what: string) => TensorRef, opts: ImportOptions,
  params: Set<TorchlogixParametrization>, tie: (n: number) => void, fail: Fail,
): ConvLayer {
  const key = e.key!;
  const f = e.fields;
  const depth = int(f, 'tree_depth', e.at, fail);
  const K = int(f, 'num_kernels', e.at, fail);
  const [RH, RW] = pair(f, 'receptive_field_size', e.at, fail);
  const stride = int(f, 'stride', e.at, fail);
  const padding = int(f, 'padding', e.at, fail, 0);
  const lutRank = f.get('lut_rank');
  if (lutRank !== undefined && lutRank !== 2) fail(`${e.at}: ${key} has lut_rank ${String(lutRank)}; lgnc gates have 2 inputs (lut_rank 2)`);
  if (depth < 1) fail(`${e.at}: ${key} has tree_depth ${depth}; a logic tree needs depth ≥ 1`);
  const conv: ConvLayer = { kind: 'conv', input, receptiveField: [RH, RW], stride, padding, kernels: K, depth, leaves: [], op: [] };
  if (RH > input[1] + 2 * padding || RW > input[2] + 2 * padding) fail(`${e.at}: ${key}'s receptive field ${RH} × ${RW} does not fit its ${input[1]} × ${input[2]} input with padding ${padding}`);
  const [, Ho, Wo] = convOutputShape(conv);
  const S = 2 ** (depth - 1);

  // Ops, level by level: tree_weights.<level> is [nodes, kernels, 16 | 4].
  const ops: number[][] = Array.from({ length: K }, () => []);
  for (let level = 0; level < depth; level++) {
    const name = `${key}.tree_weights.${level}`;
    const t = tensor(name, `LogicConv2d ${key}`);
    const nodes = S >> level;
    if (t.shape.length !== 3 || t.shape[0] !== nodes || t.shape[1] !== K || (t.shape[2] !== 16 && t.shape[2] !== 4)) {
      fail(`${name} has shape [${t.shape.join(', ')}]; a tree of depth ${depth} with ${K} kernels needs [${nodes}, ${K}, 16] (raw) or [${nodes}, ${K}, 4] (warp, light) at level ${level}`);
    }
    const w = finiteWeights(ckpt, t, name, fail);
    const param = parametrization(t.shape[2], f, opts, name, fail);
    params.add(param);
    const levelOps = opsOf(w, param, tie); // node-major: [node][kernel]
    for (let g = 0; g < nodes; g++) for (let k = 0; k < K; k++) ops[k].push(levelOps[g * K + k]);
  }
  if (ckptHas(ckpt, `${key}.tree_weights.${depth}`)) fail(`${key} has more tree_weights levels than tree_depth ${depth}: is "arch" from this model?`);
  conv.op = ops;

  // Leaves: _indices_L0 [2, K, positions, S, 3] = (row, column, channel) in the padded input.
  const name0 = `${key}.connections._indices_L0`;
  const t0 = tensor(name0, `LogicConv2d ${key}`);
  const P = Ho * Wo;
  if (t0.shape.length !== 5 || t0.shape[0] !== 2 || t0.shape[1] !== K || t0.shape[2] !== P || t0.shape[3] !== S || t0.shape[4] !== 3) {
    fail(`${name0} has shape [${t0.shape.join(', ')}]; expected [2, ${K}, ${P}, ${S}, 3] (input of node, kernel, the ${Ho} × ${Wo} positions, node, (row, column, channel)): are in_dim, padding and stride in "arch" right?`);
  }
  const idx = intElements(ckpt, t0, name0, fail);
  const at = (i: number, k: number, p: number, g: number, d: number) => idx[(((i * K + k) * P + p) * S + g) * 3 + d];
  conv.leaves = Array.from({ length: K }, (_, k) => Array.from({ length: 2 * S }, (_, j): [number, number, number] => {
    const g = j >> 1, i = j & 1;
    const dy = at(i, k, 0, g, 0), dx = at(i, k, 0, g, 1), c = at(i, k, 0, g, 2);
    if (dy >= RH || dx >= RW || c >= input[0]) fail(`${name0}: kernel ${k} node ${g} input ${i} reads (row ${dy}, column ${dx}, channel ${c}), outside its ${RH} × ${RW} × ${input[0]} receptive field`);
    for (let y = 0; y < Ho; y++) {
      for (let x = 0; x < Wo; x++) {
        const p = y * Wo + x;
        if (at(i, k, p, g, 0) !== dy + y * stride || at(i, k, p, g, 1) !== dx + x * stride || at(i, k, p, g, 2) !== c) {
          fail(`${name0}: kernel ${k} node ${g} input ${i} at position (${y}, ${x}) reads (${at(i, k, p, g, 0)}, ${at(i, k, p, g, 1)}, ${at(i, k, p, g, 2)}), not the window of position 0 moved by stride ${stride}: not one kernel slid over the input (is "stride" right?)`);
        }
      }
    }
    return [c, dy, dx];
  }));
  // Levels ≥ 1 pair nodes (2g, 2g+1): _indices_L<level> = [[0, 2, 4, …], [1, 3, 5, …]].
  for (let level = 1; level < depth; level++) {
    const name = `${key}.connections._indices_L${level}`;
    const t = tensor(name, `LogicConv2d ${key}`);
    const n = S >> level;
    const v = t.shape.length === 2 && t.shape[0] === 2 && t.shape[1] === n ? intElements(ckpt, t, name, fail) : null;
    if (!v || v.some((x, i) => x !== 2 * (i % n) + (i >= n ? 1 : 0))) {
      fail(`${name} is not the pairing [[0, 2, 4, …], [1, 3, 5, …]] of ${2 * n} nodes that torchlogix's LogicConv2d builds; lgnc cannot map this tree`);
    }
  }
  return conv;
}

function readDense(
  ckpt: Checkpoint, e: ArchEntry, sd: Dict, tensor: (k: string, what: string) => TensorRef, opts: ImportOptions,
  params: Set<TorchlogixParametrization>, tie: (n: number) => void, fail: Fail,
): GateLayer {
  const key = e.key!;
  const p = key ? `${key}.` : '';
  const wName = `${p}weight`;
  const t = tensor(wName, `LogicDense ${key}`);
  if (t.shape.length !== 2 || (t.shape[1] !== 16 && t.shape[1] !== 4)) fail(`${wName} has shape [${t.shape.join(', ')}]; a LogicDense layer's weight is [neurons, 16] (raw) or [neurons, 4] (warp, light)`);
  const n = t.shape[0];
  const param = parametrization(t.shape[1], e.fields, opts, wName, fail);
  params.add(param);
  const op = opsOf(finiteWeights(ckpt, t, wName, fail), param, tie);
  const iName = `${p}connections.indices`;
  const it = tensor(iName, `LogicDense ${key}`);
  const cw = sd.get(`${p}connections.weights`);
  let a: number[], b: number[];
  if (cw instanceof TensorRef) {
    // Learnable: candidates [C, 2, n]; eval takes the argmax candidate per (input, neuron).
    tensor(`${p}connections.weights`, `LogicDense ${key}`);
    const C = it.shape[0];
    if (it.shape.length !== 3 || it.shape[1] !== 2 || it.shape[2] !== n || cw.shape.join() !== it.shape.join()) fail(`${iName} and connections.weights must both be [candidates, 2, ${n}]; got [${it.shape.join(', ')}] and [${cw.shape.join(', ')}]`);
    const idx = intElements(ckpt, it, iName, fail);
    const w = finiteWeights(ckpt, cw, `${p}connections.weights`, fail);
    const pick = (i: number, o: number) => {
      let best = 0;
      for (let c = 1; c < C; c++) if (w[(c * 2 + i) * n + o] > w[(best * 2 + i) * n + o]) best = c;
      return idx[(best * 2 + i) * n + o];
    };
    a = Array.from({ length: n }, (_, o) => pick(0, o));
    b = Array.from({ length: n }, (_, o) => pick(1, o));
  } else {
    if (it.shape.length !== 2 || it.shape[0] !== 2 || it.shape[1] !== n) fail(`${iName} has shape [${it.shape.join(', ')}]; expected [2, ${n}] (input 0 and input 1 of each neuron)`);
    const idx = intElements(ckpt, it, iName, fail);
    a = idx.slice(0, n);
    b = idx.slice(n);
  }
  return { a, b, op };
}

/** raw from [., 16]; for [., 4] the arch entry's "parametrization" or --parametrization must say warp or light. */
function parametrization(per: number, f: Dict, opts: ImportOptions, what: string, fail: Fail): TorchlogixParametrization {
  const saved = f.get('parametrization');
  const asked = opts.parametrization ?? (typeof saved === 'string' ? saved : undefined);
  if (asked !== undefined && !['raw', 'warp', 'light'].includes(asked)) fail(`${what}: unknown parametrization ${JSON.stringify(asked)} (raw, warp or light)`);
  if (per === 16) {
    if (asked !== undefined && asked !== 'raw') fail(`${what} has 16 weights per gate, which is the raw parametrization, not ${asked}`);
    return 'raw';
  }
  if (asked === 'warp' || asked === 'light') return asked;
  if (asked === 'raw') fail(`${what} has 4 weights per gate: that is warp or light, not raw`);
  return fail(`${what} has 4 weights per gate: warp (Walsh coefficients) or light? Save "parametrization" in "arch" or pass --parametrization warp|light`);
}

/** Eval-mode op of every gate (rows of `per` weights). */
function opsOf(w: Float64Array, param: TorchlogixParametrization, tie: (n: number) => void): number[] {
  if (param === 'raw') return argmaxOps(w, tie);
  const f = Math.fround;
  const n = w.length / 4;
  const ops = new Array<number>(n);
  const bits = [0, 0, 0, 0];
  for (let g = 0; g < n; g++) {
    const [w0, w1, w2, w3] = [f(w[4 * g]), f(w[4 * g + 1]), f(w[4 * g + 2]), f(w[4 * g + 3])];
    let near = false;
    for (let i = 0; i < 4; i++) {
      if (param === 'light') {
        bits[i] = w[4 * g + i] > 0 ? 1 : 0;
        near ||= w[4 * g + i] === 0;
      } else {
        const A = (i >> 1) ? -1 : 1, B = (i & 1) ? -1 : 1;
        const s = f(f(f(w0 + f(w1 * B)) + f(w2 * A)) + f(w3 * A * B));
        bits[i] = s < 0 ? 1 : 0;
        near ||= Math.abs(s) < 1e-6;
      }
    }
    if (near) tie(1);
    ops[g] = opFromTable(bits);
  }
  return ops;
}

function ckptHas(ckpt: Checkpoint, key: string): boolean {
  return locateStateDict(ckpt.root, ckpt.source).stateDict.get(key) instanceof TensorRef;
}

function maxIndex(l: GateLayer): number {
  let m = 0;
  for (const x of l.a) if (x > m) m = x;
  for (const x of l.b) if (x > m) m = x;
  return m;
}

function int(d: Dict, key: string, at: string, fail: Fail, dflt?: number): number {
  const v = d.get(key);
  if (v === undefined && dflt !== undefined) return dflt;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) return fail(`${at}: "${key}" must be a whole number, got ${v === undefined ? 'nothing' : String(v)}`);
  return v;
}

function num(d: Dict, key: string, at: string, fail: Fail): number | undefined {
  const v = d.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(`${at}: "${key}" must be a positive number, got ${String(v)}`);
  return v as number;
}

/** An int or a pair (tuple/list) of ints → [a, b]. */
function pair(d: Dict, key: string, at: string, fail: Fail): [number, number] {
  const v = d.get(key);
  if (typeof v === 'number') return [int(d, key, at, fail), int(d, key, at, fail)];
  const items = v instanceof Tuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || items.length !== 2 || !items.every((x: PyValue) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0)) {
    return fail(`${at}: "${key}" must be a whole number or a pair of them, got ${v === undefined ? 'nothing' : String(v)}`);
  }
  return [items[0] as number, items[1] as number];
}

/** Pooling parameters: an int, or a pair of equal ints (lgnc pools square windows). */
function square(d: Dict, key: string, at: string, fail: Fail, dflt?: number): number {
  if (d.get(key) === undefined && dflt !== undefined) return dflt;
  const [a, b] = pair(d, key, at, fail);
  if (a !== b) fail(`${at}: "${key}" is (${a}, ${b}); lgnc's OR pooling takes the same value for height and width`);
  return a;
}
