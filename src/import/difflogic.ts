// import/difflogic.ts — turns a loaded difflogic-family checkpoint into an lgn-netlist v1.
// What it reads (documented in the README, "Trained with difflogic?"):
//   - gate layers: tensors named `weights` or `<prefix>.weights`, 2-D, in state_dict order:
//       [out, 16] logits (difflogic, Gumbel-LGN, iwp fork's run_op_on_iwp) → op = argmax
//                 (first maximum, as torch.argmax), since difflogic's op order IS the gate table;
//       [out, 4]  truth-table logits (difflogic-iwp / Light DLGN) → bit i = act(w_i) ≥ 0.5,
//                 entry i is the output for inputs (A, B) = (i >> 1, i & 1), as the fork's
//                 bin_gate orders them: 00, 01, 10, 11 — so op = opFromTable(bits);
//   - connections, per layer, first found of: the checkpoint dict's `indices` list (one
//     (a, b) pair of 1-D int tensors, or one [2, out] tensor, per gate layer), then buffers
//     `<prefix>.indices` ([2, out]) or `<prefix>.indices_a` + `<prefix>.indices_b`;
//   - optional plain entries next to the state dict: `inputs`, `classes`, `tau`, `act_fn`.
// Guarantees: the result passes validateNetlist; every shape, index range and value is checked
// with an error naming the tensor and the fix; the same checkpoint gives the same netlist.

import { opFromTable } from '../netlist/gates.js';
import type { AnyNetlist, Layer, Netlist } from '../netlist/netlist.js';
import { validateNetlist } from '../netlist/netlist.js';
import { UserError } from '../util/errors.js';
import { Dict, TensorRef, Tuple, type Checkpoint, type PyValue } from './checkpoint.js';

export type ImportFormat = 'difflogic' | 'iwp';
export type Activation = 'sin' | 'sigmoid' | 'linear';

export interface ImportOptions {
  format?: ImportFormat;
  /** torchlogix only: the parametrization of [gates, 4] weights (warp or light). */
  parametrization?: 'raw' | 'warp' | 'light';
  classes?: number;
  tau?: number;
  inputs?: number;
  activation?: Activation;
  name: string;
}

export interface ImportReport {
  format: ImportFormat | 'torchlogix';
  /** torchlogix: the parametrizations found (raw, warp, light). */
  parametrization?: string;
  /** iwp only: the activation the thresholds were taken with, and where it came from. */
  activation?: Activation;
  activationFrom?: 'option' | 'checkpoint' | 'not needed';
  /** Where the connections came from. */
  indicesFrom: string;
  /** Where the input count came from. */
  inputsFrom: 'option' | 'checkpoint' | 'max index + 1';
  layers: { key: string; gates: number }[];
  /** Gates whose choice sits within float rounding of a tie (argmax tie / activation at 0.5). */
  nearTies: number;
  /** State-dict tensors that are not gate layers or connections (e.g. grad_mask buffers). */
  ignored: string[];
}

export interface ImportResult {
  netlist: AnyNetlist;
  report: ImportReport;
  warnings: string[];
}

export interface Located {
  stateDict: Dict;
  extras: Dict | null;
}

export type Fail = (problem: string) => never;

/** Converts the checkpoint; throws UserError with the fix on anything it cannot map. */
export function importDifflogic(ckpt: Checkpoint, opts: ImportOptions): ImportResult {
  const src = ckpt.source;
  const fail: Fail = (problem) => {
    throw new UserError(`${src}: ${problem}`);
  };
  const warnings: string[] = [];
  const { stateDict, extras } = locateStateDict(ckpt.root, src);
  const { keys: layerKeys, tensors, ignored } = findGateLayers(stateDict, fail);
  const widths = tensors.map((t) => t.shape[0]);
  const weights = tensors.map((t, l) => finiteWeights(ckpt, t, layerKeys[l], fail));
  const format = chooseFormat(tensors, layerKeys, opts.format, fail);
  const { pairs, from: indicesFrom } = findIndices(stateDict, extras, layerKeys, fail);
  const { a, b } = readConnections(ckpt, pairs, layerKeys, widths, fail);
  const { inputs, from: inputsFrom } = chooseInputs(opts.inputs, extraInt(extras, 'inputs', fail), a[0], b[0], warnings);
  checkRanges(a, b, inputs, inputsFrom, widths, layerKeys, fail);

  let nearTies = 0;
  const countTie = (n: number) => (nearTies += n);
  let ops: number[][];
  let act: { activation?: Activation; from?: ImportReport['activationFrom'] } = {};
  if (format === 'difflogic') ops = weights.map((w) => argmaxOps(w, countTie));
  else {
    act = chooseActivation(opts.activation, extraActivation(extras, fail), weights, fail);
    ops = weights.map((w) => thresholdOps(w, act.activation ?? 'sin', countTie));
  }
  if (nearTies > 0) {
    warnings.push(`${nearTies} gate(s) sit within float rounding of a tie (${format === 'difflogic' ? 'two equal largest logits' : 'activation exactly at 0.5'}); lgnc resolves them as PyTorch's CPU eval mode does, but other backends may differ`);
  }

  const classes = opts.classes ?? extraInt(extras, 'classes', fail);
  if (classes === undefined) return fail('how many classes? GroupSum is not in the state dict: pass --classes K (or save "classes": K next to the state dict)');
  const last = widths[widths.length - 1];
  if (last % classes !== 0) fail(`the last gate layer (${layerKeys[layerKeys.length - 1]}) has ${last} gates, not divisible by ${classes} classes: is --classes right?`);
  const tau = opts.tau ?? extraNumber(extras, 'tau', fail);

  const netlist: Netlist = {
    format: 'lgn-netlist',
    version: 1,
    name: opts.name,
    inputs,
    layers: ops.map((op, l): Layer => ({ a: a[l], b: b[l], op })),
    output: tau === undefined ? { kind: 'groupsum', classes } : { kind: 'groupsum', classes, tau },
    meta: { importedFrom: 'pytorch-checkpoint', format, ...(act.activation ? { activation: act.activation } : {}), layerKeys, indicesFrom },
  };
  validateNetlist(netlist, src);
  const report: ImportReport = {
    format,
    ...(format === 'iwp' ? { activation: act.activation, activationFrom: act.from } : {}),
    indicesFrom,
    inputsFrom,
    layers: layerKeys.map((key, l) => ({ key, gates: widths[l] })),
    nearTies,
    ignored,
  };
  return { netlist, report, warnings };
}

/** Gate layers: `weights` / `<prefix>.weights`, 2-D, [gates, 16] or [gates, 4], in state_dict (= registration) order. */
function findGateLayers(sd: Dict, fail: Fail): { keys: string[]; tensors: TensorRef[]; ignored: string[] } {
  const keys: string[] = [];
  const ignored: string[] = [];
  sd.keys.forEach((k, i) => {
    const v = sd.values[i];
    if (typeof k !== 'string' || !(v instanceof TensorRef)) return;
    if ((k === 'weights' || k.endsWith('.weights')) && v.shape.length === 2 && (v.shape[1] === 16 || v.shape[1] === 4)) keys.push(k);
    else if (!/(^|\.)indices(_a|_b)?$/.test(k)) ignored.push(k);
  });
  if (keys.length === 0) {
    const seen = sd.keys.filter((k) => typeof k === 'string').slice(0, 8).join(', ');
    fail(`no gate layers found: expected tensors named "<layer>.weights" of shape [gates, 16] (difflogic) or [gates, 4] (iwp); the state dict has: ${seen || '(nothing)'}`);
  }
  const tensors = keys.map((k) => sd.get(k) as TensorRef);
  tensors.forEach((t, l) => {
    if (t.shape[0] === 0) fail(`${keys[l]}: a gate layer with 0 gates`);
  });
  return { keys, tensors, ignored };
}

export function finiteWeights(ckpt: Checkpoint, t: TensorRef, key: string, fail: Fail): Float64Array {
  const w = ckpt.values(t, key);
  const bad = w.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) fail(`${key}: gate ${Math.floor(bad / t.shape[1])} has a non-finite weight (${w[bad]}); the model diverged in training`);
  return w;
}

/** The parametrization from the weight shapes, checked against --format. */
function chooseFormat(tensors: TensorRef[], keys: string[], asked: ImportFormat | undefined, fail: Fail): ImportFormat {
  const per = new Set(tensors.map((t) => t.shape[1]));
  if (per.size > 1) fail(`gate layers mix [gates, 16] and [gates, 4] weights (${keys.map((k, l) => `${k}: ${tensors[l].shape[1]}`).join(', ')}); lgnc imports one parametrization per model`);
  const detected: ImportFormat = per.has(16) ? 'difflogic' : 'iwp';
  if (asked && asked !== detected) {
    fail(`--format ${asked} expects weights of shape [gates, ${asked === 'difflogic' ? 16 : 4}], but ${keys[0]} is [${tensors[0].shape.join(', ')}] (that is the ${detected} parametrization): drop --format or pass --format ${detected}`);
  }
  return detected;
}

function readConnections(ckpt: Checkpoint, pairs: Pair[], keys: string[], widths: number[], fail: Fail): { a: number[][]; b: number[][] } {
  const a: number[][] = [];
  const b: number[][] = [];
  pairs.forEach(([ta, tb], l) => {
    const what = `connections of ${keys[l]}`;
    const ia = intValues(ckpt, ta, `${what} (a)`, fail);
    const ib = intValues(ckpt, tb, `${what} (b)`, fail);
    if (ia.length !== widths[l] || ib.length !== widths[l]) {
      fail(`${what}: ${ia.length} and ${ib.length} indices for ${widths[l]} gates; each layer needs one (a, b) index pair per gate (did the indices list get out of order?)`);
    }
    a.push(ia);
    b.push(ib);
  });
  return { a, b };
}

/** Input count: --inputs, else the checkpoint's "inputs", else the largest index layer 0 reads + 1 (warned). */
function chooseInputs(option: number | undefined, saved: number | undefined, a0: number[], b0: number[], warnings: string[]): { inputs: number; from: ImportReport['inputsFrom'] } {
  if (option !== undefined) return { inputs: option, from: 'option' };
  if (saved !== undefined) return { inputs: saved, from: 'checkpoint' };
  const inputs = maxOf(a0, b0) + 1;
  warnings.push(`the checkpoint does not say how many inputs the model has; assuming ${inputs} (largest index the first layer reads + 1). Pass --inputs N (e.g. 784 for MNIST) if the model has more, or the Verilog port will be too narrow.`);
  return { inputs, from: 'max index + 1' };
}

/** Every index reads an existing signal of the previous layer (the inputs, for layer 0). */
function checkRanges(a: number[][], b: number[][], inputs: number, inputsFrom: ImportReport['inputsFrom'], widths: number[], keys: string[], fail: Fail): void {
  for (let l = 0; l < a.length; l++) {
    const range = l === 0 ? inputs : widths[l - 1];
    const from = l === 0 ? `the ${inputs} inputs${inputsFrom === 'option' ? ' (--inputs)' : ''}` : `${keys[l - 1]}, which has ${range} gates`;
    for (const [key, idx] of [['a', a[l]], ['b', b[l]]] as const) {
      const g = idx.findIndex((x) => x >= range);
      if (g >= 0) fail(`connections of ${keys[l]}: gate ${g} input ${key} is index ${idx[g]}, out of range: it reads ${from} (valid 0..${range - 1}). Are the indices saved in layer order${l === 0 ? ', and is --inputs right' : ''}?`);
    }
  }
}

/**
 * iwp: the activation is not in the state dict. --activation, else the checkpoint's "act_fn",
 * else none is needed when sin and sigmoid give the same gates (every logit's sign agrees),
 * else the user must say.
 */
function chooseActivation(option: Activation | undefined, saved: Activation | undefined, weights: Float64Array[], fail: Fail): { activation?: Activation; from: ImportReport['activationFrom'] } {
  if (option) return { activation: option, from: 'option' };
  if (saved) return { activation: saved, from: 'checkpoint' };
  const none = () => {};
  const differ = weights.reduce((n, w) => {
    const bySin = thresholdOps(w, 'sin', none);
    const bySigmoid = thresholdOps(w, 'sigmoid', none);
    return n + bySin.filter((op, g) => op !== bySigmoid[g]).length;
  }, 0);
  if (differ > 0) {
    fail(`the checkpoint does not say which activation the iwp layers were trained with, and ${differ} gates come out differently with sin (ρ = 0.5 + 0.5·sin) and sigmoid: pass --activation sin|sigmoid|linear (the act_fn you trained with)`);
  }
  return { from: 'not needed' };
}

/** The state dict is the root, or root['model'] / root['state_dict'] with extras beside it. */
export function locateStateDict(root: PyValue, src: string): Located {
  if (!(root instanceof Dict)) {
    throw new UserError(`${src}: the checkpoint holds a ${describe(root)}, not a dict: save model.state_dict() (see "lgnc import --help")`);
  }
  for (const key of ['model', 'state_dict', 'model_state_dict']) {
    const v = root.get(key);
    if (v instanceof Dict) return { stateDict: v, extras: root };
  }
  return { stateDict: root, extras: root };
}

function describe(v: PyValue): string {
  if (v === null) return 'None';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Tuple) return 'tuple';
  if (v instanceof TensorRef) return 'single tensor';
  return typeof v;
}

type Pair = [TensorRef, TensorRef];

/** Per-layer (a, b) index tensors from the extras' `indices` list or from buffers. */
function findIndices(sd: Dict, extras: Dict | null, layerKeys: string[], fail: Fail): { pairs: Pair[]; from: string } {
  const list = extras?.get('indices');
  if (list !== undefined) {
    const items = Array.isArray(list) ? list : list instanceof Tuple ? list.items : null;
    if (!items) return fail('"indices" must be a list with one (a, b) pair of index tensors per gate layer');
    if (items.length !== layerKeys.length) fail(`"indices" has ${items.length} entries but the state dict has ${layerKeys.length} gate layers (${layerKeys.join(', ')}); save one (a, b) pair per LogicLayer, in order`);
    return { pairs: items.map((it, l) => pairOf(it, `indices[${l}]`, fail)), from: 'checkpoint["indices"]' };
  }
  const pairs: Pair[] = [];
  for (const key of layerKeys) {
    const prefix = key.slice(0, -'weights'.length);
    const both = sd.get(`${prefix}indices`);
    const a = sd.get(`${prefix}indices_a`);
    const b = sd.get(`${prefix}indices_b`);
    if (both !== undefined) pairs.push(pairOf(both, `${prefix}indices`, fail));
    else if (a instanceof TensorRef && b instanceof TensorRef) pairs.push([a, b]);
    else {
      return fail(`no connection indices for ${key}: difflogic keeps them outside state_dict. Save them next to it:\n  torch.save({'model': model.state_dict(), 'indices': [l.indices for l in model if hasattr(l, 'indices')]}, 'model.pt')\n(see "Trained with difflogic?" in the README)`);
    }
  }
  return { pairs, from: 'state-dict buffers' };
}

/** (a, b) as a pair of 1-D tensors, or one [2, gates] tensor split into its rows. */
function pairOf(v: PyValue, what: string, fail: (p: string) => never): Pair {
  const items = v instanceof Tuple ? v.items : Array.isArray(v) ? v : null;
  if (items) {
    if (items.length !== 2 || !(items[0] instanceof TensorRef) || !(items[1] instanceof TensorRef)) fail(`${what} must be a pair (a, b) of index tensors`);
    return [items[0] as TensorRef, items[1] as TensorRef];
  }
  if (v instanceof TensorRef) {
    if (v.shape.length !== 2 || v.shape[0] !== 2) fail(`${what} has shape [${v.shape.join(', ')}]; expected [2, gates] (row 0 = a, row 1 = b)`);
    const n = v.shape[1];
    const row = (r: number) => new TensorRef(v.storage, v.offset + r * v.stride[0], [n], [v.stride[1]]);
    return [row(0), row(1)];
  }
  return fail(`${what} must be a pair (a, b) of index tensors or one [2, gates] tensor`);
}

/** Largest entry of two arrays (Math.max(...a) overflows the call stack on big layers). */
function maxOf(a: number[], b: number[]): number {
  let m = 0;
  for (const x of a) if (x > m) m = x;
  for (const x of b) if (x > m) m = x;
  return m;
}

export function intValues(ckpt: Checkpoint, t: TensorRef, what: string, fail: (p: string) => never): number[] {
  if (t.shape.length !== 1) fail(`${what} has shape [${t.shape.join(', ')}]; expected a 1-D tensor with one index per gate`);
  return intElements(ckpt, t, what, fail);
}

/** Every element of an integer tensor of any shape, row-major; negative indices refused. */
export function intElements(ckpt: Checkpoint, t: TensorRef, what: string, fail: (p: string) => never): number[] {
  if (!/^(u?int|bool)/.test(t.storage.dtype)) fail(`${what} is a ${t.storage.dtype} tensor; indices must be integers (torch.long)`);
  const v = ckpt.values(t, what);
  const bad = v.findIndex((x) => x < 0);
  if (bad >= 0) fail(`${what}: index ${v[bad]} at element ${bad} is negative`);
  return Array.from(v);
}

/** difflogic eval mode: one_hot(weights.argmax(-1)) — the first maximum wins. */
export function argmaxOps(w: Float64Array, tie: (n: number) => void): number[] {
  const n = w.length / 16;
  const ops = new Array<number>(n);
  for (let g = 0; g < n; g++) {
    let best = 0;
    for (let k = 1; k < 16; k++) if (w[g * 16 + k] > w[g * 16 + best]) best = k;
    let ties = 0;
    for (let k = 0; k < 16; k++) if (k !== best && w[g * 16 + k] === w[g * 16 + best]) ties++;
    if (ties) tie(1);
    ops[g] = best;
  }
  return ops;
}

/**
 * difflogic-iwp eval mode (forward_python): bit = (act(w) >= 0.5), evaluated as float32 like
 * PyTorch does, so a logit whose activation rounds to exactly 0.5 gives 1:
 *   sin:     0.5 + 0.5·sin(w) ≥ 0.5  (⇔ sin w ≥ 0 up to float32 rounding)
 *   sigmoid: 1 / (1 + e^(−w)) ≥ 0.5   (⇔ w ≥ 0 up to float32 rounding)
 *   linear:  clamp(w, 0, 1) ≥ 0.5     (⇔ w ≥ 0.5)
 */
function thresholdOps(w: Float64Array, act: Activation, tie: (n: number) => void): number[] {
  const f = Math.fround;
  const n = w.length / 4;
  const ops = new Array<number>(n);
  const bits = [0, 0, 0, 0];
  for (let g = 0; g < n; g++) {
    let near = false;
    for (let i = 0; i < 4; i++) {
      const x = w[g * 4 + i];
      let on: boolean;
      if (act === 'sin') {
        const s = f(Math.sin(x));
        on = f(0.5 + f(0.5 * s)) >= 0.5;
        near ||= Math.abs(s) < 1e-6;
      } else if (act === 'sigmoid') {
        on = f(1 / f(1 + f(Math.exp(-x)))) >= 0.5;
        near ||= Math.abs(x) < 1e-6;
      } else {
        on = Math.min(1, Math.max(0, x)) >= 0.5;
        near ||= x === 0.5;
      }
      bits[i] = on ? 1 : 0;
    }
    if (near) tie(1);
    ops[g] = opFromTable(bits);
  }
  return ops;
}

export function extraInt(extras: Dict | null, key: string, fail: (p: string) => never): number | undefined {
  const v = extras?.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(`checkpoint entry "${key}" must be a positive integer, got ${String(v)}`);
  return v as number;
}

export function extraNumber(extras: Dict | null, key: string, fail: (p: string) => never): number | undefined {
  const v = extras?.get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) fail(`checkpoint entry "${key}" must be a positive number, got ${String(v)}`);
  return v as number;
}

/** The iwp fork's act_fn names: "SIN01" / "sin-st" → sin, "sigmoid" / "sigmoid-st" → sigmoid, "linear". */
function extraActivation(extras: Dict | null, fail: (p: string) => never): Activation | undefined {
  const v = extras?.get('act_fn') ?? extras?.get('activation');
  if (v === undefined || v === null) return undefined;
  const map: Record<string, Activation> = { SIN01: 'sin', 'sin-st': 'sin', sin: 'sin', sigmoid: 'sigmoid', 'sigmoid-st': 'sigmoid', linear: 'linear' };
  if (typeof v !== 'string' || !(v in map)) return fail(`checkpoint entry "act_fn" is ${JSON.stringify(v)}; known: ${Object.keys(map).join(', ')}`);
  return map[v];
}
