// The frozen netlist (format `lgn-netlist`, versions 1 and 2): types, validation, load and save.
// Validation is two-step: the JSON Schema (schema.json, checked by ajv) for shape, then the
// semantic checks a schema cannot express (v2 layers: layers.ts). Every error names the JSON
// path and the fix. Version 1 files are valid as they always were and mean the same.

import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { UserError } from '../util/errors.js';
import { readFileOrFail, writeFileAtomic } from '../util/files.js';
import { checkLayersV2, layerWidths, storedGates, unrolledGates } from './layers.js';
import { LIMITS, overLimit, withLimits } from './limits.js';

export interface Layer {
  /** Index of input A of each gate in the previous layer (the inputs, for layer 0). */
  a: number[];
  /** Index of input B of each gate. */
  b: number[];
  /** The op (0..15, see gates.ts) of each gate. */
  op: number[];
}

export interface ThresholdEncoding {
  kind: 'thresholds';
  /** Raw features per sample. */
  features: number;
  /** One ascending list per feature; bit = (x_f > t). Bits = sum of lengths = inputs. */
  thresholds: number[][];
}

export interface GroupSumOutput {
  kind: 'groupsum';
  classes: number;
  tau?: number;
}

/** A version 1 netlist: gate layers only, layer l reads layer l − 1. */
export interface Netlist {
  format: 'lgn-netlist';
  version: 1;
  name: string;
  inputs: number;
  encoding?: ThresholdEncoding;
  layers: Layer[];
  output: GroupSumOutput;
  meta?: Record<string, unknown>;
}

/** [channels, height, width]; signal c·H·W + y·W + x is channel c at (y, x). */
export type Shape = [number, number, number];

/** v2 gate layer: as v1, or with `from: 'all'` reading [inputs, layer 0, …, layer l−1]. */
export interface GateLayer extends Layer {
  kind?: 'gates';
  from?: 'previous' | 'all';
}

/**
 * Conv logic trees (LogicTreeNet): kernel k is a complete binary tree of `depth` levels whose
 * 2^depth leaves [c, dy, dx] lie in the receptive field; its 2^depth − 1 ops are listed level
 * by level (gate g of level 0 reads leaves 2g and 2g+1, gate g of level ℓ reads gates 2g and
 * 2g+1 of level ℓ − 1, the root is last). Output channel k at (y, x) is the root with every
 * leaf reading input (c, y·stride + dy − padding, x·stride + dx − padding), 0 in the padding.
 */
export interface ConvLayer {
  kind: 'conv';
  input: Shape;
  receptiveField: [number, number];
  stride: number;
  padding: number;
  kernels: number;
  depth: number;
  /** leaves[k][j] = [channel, dy, dx]. */
  leaves: [number, number, number][][];
  /** op[k] = the kernel's 2^depth − 1 ops, level by level. */
  op: number[][];
}

/** OR pooling (max in the binary domain) over size × size windows per channel, 0 in the padding. */
export interface OrPoolLayer {
  kind: 'orpool';
  input: Shape;
  size: number;
  stride: number;
  padding: number;
}

/** The previous layer's signals, unchanged; drops the shape (what a dense layer reads). */
export interface FlattenLayer {
  kind: 'flatten';
}

export type LayerV2 = GateLayer | ConvLayer | OrPoolLayer | FlattenLayer;

/** A version 2 netlist: conv trees, OR pooling, flatten, and gate layers that may read any earlier signal. */
export interface NetlistV2 {
  format: 'lgn-netlist';
  version: 2;
  name: string;
  inputs: number;
  encoding?: ThresholdEncoding;
  layers: LayerV2[];
  output: GroupSumOutput;
  meta?: Record<string, unknown>;
}

export type AnyNetlist = Netlist | NetlistV2;

/** Shape checks from schema.json. Read at run time from src/ (same path from dist/). */
const SCHEMA_URL = new URL('../../src/netlist/schema.json', import.meta.url);
let schemaValidator: ((x: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

function validator() {
  if (!schemaValidator) {
    const schema = withLimits(JSON.parse(readFileSync(SCHEMA_URL, 'utf8')));
    schemaValidator = new Ajv({ allErrors: false, strict: true, verbose: true }).compile(schema);
  }
  return schemaValidator;
}

export class NetlistError extends UserError {
  constructor(
    readonly source: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${source}: ${path || '(top level)'}: ${problem}`);
    this.name = 'NetlistError';
  }
}

/** How to fix a schema error, keyed by the property it concerns. */
function schemaHint(err: ErrorObject): string {
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case 'required':
      return `missing property "${p.missingProperty}" (see the netlist format in the README)`;
    case 'additionalProperties':
      if (/^\/layers\/\d+$/.test(err.instancePath) && (p.additionalProperty === 'from' || p.additionalProperty === 'kind')) {
        return `unknown property "${p.additionalProperty}": only ${p.additionalProperty === 'from' ? 'gate layers' : 'layers'} of a version 2 netlist have it`;
      }
      return `unknown property "${p.additionalProperty}": remove it or move it into "meta"`;
    case 'const':
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case 'enum':
      if (err.instancePath === '/version') return 'version must be 1 or 2 (see the netlist format in the README)';
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'minItems':
    case 'maxItems':
      if (err.instancePath === '/layers') return err.keyword === 'minItems' ? 'the network needs at least one layer of gates' : `${limitOf(err.instancePath, err.data)}. Is the file damaged?`;
      if (/\/leaves\/\d+\/\d+$/.test(err.instancePath)) return 'a leaf is [channel, dy, dx]: three integers';
      if (/\/input$/.test(err.instancePath)) return 'a shape is [channels, height, width]: three integers';
      if (/\/receptiveField$/.test(err.instancePath)) return 'the receptive field is [height, width]: two integers';
      if (err.keyword === 'maxItems') return `${limitOf(err.instancePath, err.data)}. Is the file damaged?`;
      return `${err.message}`;
    case 'maximum':
    case 'minimum':
      if (/\/op\/\d+$/.test(err.instancePath)) return `op must be an integer 0..15 (see the gate table)`;
      if (err.keyword === 'maximum') return `${limitOf(err.instancePath, err.data)}. Is the file damaged?`;
      if (/\/[ab]\/\d+$/.test(err.instancePath)) return `a connection index must be >= 0 (it counts gates of the previous layer from 0)`;
      return `${err.message}`;
    case 'maxLength':
      return `${limitOf(err.instancePath, err.data)}. Is the file damaged?`;
    default:
      return `${err.message}`;
  }
}

/** "1,000,000,000,000 input bits is more than lgnc's limit of …" for the field at a JSON path. */
function limitOf(path: string, data: unknown): string {
  const n = typeof data === 'number' ? data : Array.isArray(data) || typeof data === 'string' ? data.length : NaN;
  const v = `${n.toLocaleString('en-US')} ${typeof data === 'string' ? 'characters' : 'entries'}`;
  if (path === '/inputs') return `"inputs" ${n.toLocaleString('en-US')} is ${overLimit('inputs')}`;
  if (path === '/layers') return `${n.toLocaleString('en-US')} layers is ${overLimit('layers')}`;
  if (/^\/layers\/\d+\/(a|b|op)$/.test(path)) return `${v}: a layer of ${n.toLocaleString('en-US')} gates is ${overLimit('layerWidth')}`;
  if (path === '/output/classes') return `"classes" ${n.toLocaleString('en-US')} is ${overLimit('classes')}`;
  if (path === '/encoding/features' || path === '/encoding/thresholds') return `${n.toLocaleString('en-US')} features is ${overLimit('features')}`;
  if (/^\/encoding\/thresholds\/\d+$/.test(path)) return `${v} is ${overLimit('thresholdsPerFeature')}`;
  if (path === '/name') return `a name of ${v} is ${overLimit('nameLength')}`;
  if (/^\/layers\/\d+\/depth$/.test(path)) return `a tree of depth ${n} is deeper than lgnc's limit of 16 (2^16 leaves per kernel)`;
  return `${v} is beyond lgnc's limits (see "Limits" in the README)`;
}

/** Checks a parsed value against the format; returns it typed or throws NetlistError. */
export function validateNetlist(value: unknown, source = 'netlist'): AnyNetlist {
  refuseHugeNetworks(value, source);
  const validate = validator();
  if (!validate(value)) {
    const err = validate.errors![0];
    throw new NetlistError(source, err.instancePath, schemaHint(err));
  }
  const net = value as AnyNetlist;
  checkSemantics(net, source);
  return net;
}

/** The total gate count, refused before the schema walks millions of entries for nothing. */
function refuseHugeNetworks(value: unknown, source: string): void {
  const layers = (value as { layers?: unknown } | null)?.layers;
  if (!Array.isArray(layers)) return;
  let total = 0;
  for (const l of layers) total += Array.isArray((l as { op?: unknown } | null)?.op) ? (l as { op: unknown[] }).op.length : 0;
  if (total > LIMITS.gates) throw new NetlistError(source, '/layers', `${total.toLocaleString('en-US')} gates is ${overLimit('gates')}`);
}

function checkSemantics(net: AnyNetlist, source: string): void {
  const fail = (path: string, problem: string): never => {
    throw new NetlistError(source, path, problem);
  };
  // The schema states these limits too; checked again here so they hold whatever the schema.
  const limit = (path: string, n: number, max: number, data: unknown) => {
    if (n > max) fail(path, `${limitOf(path, data)}. Is the file damaged?`);
  };
  limit('/inputs', net.inputs, LIMITS.inputs, net.inputs);
  limit('/layers', net.layers.length, LIMITS.layers, net.layers.length);
  net.layers.forEach((l, i) => {
    const op = (l as { op?: number[] | number[][] }).op;
    if (op) limit(`/layers/${i}/op`, op.length, LIMITS.layerWidth, op);
  });
  limit('/output/classes', net.output.classes, LIMITS.classes, net.output.classes);
  if (net.encoding) {
    limit('/encoding/features', net.encoding.features, LIMITS.features, net.encoding.features);
    net.encoding.thresholds.forEach((t, f) => limit(`/encoding/thresholds/${f}`, t.length, LIMITS.thresholdsPerFeature, t));
  }
  const lastWidth = net.version === 2 ? checkLayersV2(net.inputs, net.layers, fail) : checkLayersV1(net, fail);
  if (net.version === 2) checkUnrolledSize(net, fail);
  const classes = net.output.classes;
  if (lastWidth % classes !== 0) {
    fail('/output/classes', `the last layer has ${lastWidth} ${net.version === 2 ? 'signals' : 'gates'}, not divisible by ${classes} classes: Group-Sum needs an equal block per class`);
  }
  if (net.encoding) checkEncoding(net.encoding, net.inputs, fail);
}

/**
 * v2: a conv or pooling layer's width comes from its shape, stride and padding, not from the
 * file's length, so what it unrolls to is bounded here, before anything walks its positions.
 */
function checkUnrolledSize(net: NetlistV2, fail: (path: string, problem: string) => never): void {
  const widths = layerWidths(net.inputs, net.layers);
  widths.forEach((w, l) => {
    if (w > LIMITS.layerWidth) fail(`/layers/${l}`, `unrolls to ${w.toLocaleString('en-US')} signals, ${overLimit('layerWidth')}; check its shape, stride and padding`);
  });
  let total = 0;
  net.layers.forEach((layer, l) => {
    total += unrolledGates(layer, l === 0 ? net.inputs : widths[l - 1], l === net.layers.length - 1);
    if (total > LIMITS.gates) fail(`/layers/${l}`, `the network unrolls to more than ${total.toLocaleString('en-US')} gates, ${overLimit('gates')}`);
  });
}

/** v1: layer l reads layer l − 1; returns the last layer's width. */
function checkLayersV1(net: Netlist, fail: (path: string, problem: string) => never): number {
  let prevWidth = net.inputs;
  let gates = 0;
  net.layers.forEach((layer, l) => {
    const n = layer.op.length;
    if (layer.a.length !== n || layer.b.length !== n) {
      fail(`/layers/${l}`, `arrays "a" (${layer.a.length}), "b" (${layer.b.length}) and "op" (${n}) must have the same length, one entry per gate`);
    }
    if (n === 0) fail(`/layers/${l}`, 'layer has no gates: every layer needs at least one gate');
    const from = l === 0 ? `the ${prevWidth} inputs` : `layer ${l - 1}, which has ${prevWidth} gates`;
    for (const key of ['a', 'b'] as const) {
      const idx = layer[key];
      for (let g = 0; g < n; g++) {
        if (idx[g] >= prevWidth) {
          fail(`/layers/${l}/${key}/${g}`, `index ${idx[g]} is out of range: gate ${g} reads ${from} (valid 0..${prevWidth - 1})`);
        }
      }
    }
    prevWidth = n;
    gates += n;
  });
  if (gates === 0) fail('/layers', 'the network has no gates');
  return prevWidth;
}

function checkEncoding(enc: ThresholdEncoding, inputs: number, fail: (path: string, problem: string) => never): void {
  if (enc.thresholds.length !== enc.features) {
    fail('/encoding/thresholds', `has ${enc.thresholds.length} lists but "features" is ${enc.features}: give one threshold list per feature`);
  }
  let bits = 0;
  enc.thresholds.forEach((ts, f) => {
    for (let i = 1; i < ts.length; i++) {
      if (!(ts[i] > ts[i - 1])) fail(`/encoding/thresholds/${f}/${i}`, `thresholds must be strictly ascending (${ts[i - 1]} then ${ts[i]})`);
    }
    bits += ts.length;
  });
  if (bits !== inputs) {
    fail('/encoding', `encodes ${bits} bits but "inputs" is ${inputs}: the thresholds must give exactly one bit per network input`);
  }
}

/** JSON.parse's complaint as one line, with the line and column where the text broke. */
export function jsonProblem(err: unknown, text: string): string {
  const msg = (err as Error).message ?? String(err);
  const at = /at position (\d+)/.exec(msg);
  const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}, column ${Number(at[1]) - text.lastIndexOf('\n', Number(at[1]) - 1)}` : '';
  const what = msg.replace(/, ".*" is not valid JSON$/s, '').replace(/ at position \d+.*$/s, '').replace(/ in JSON$/, '').replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1)).trim();
  return `${what.slice(0, 80)}${where}`;
}

/** Parses and validates netlist JSON text. */
export function parseNetlist(text: string, source = 'netlist'): AnyNetlist {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${source}: not valid JSON (${jsonProblem(err, text)}). Is this an lgn-netlist file?`);
  }
  return validateNetlist(value, source);
}

export function loadNetlist(path: string): AnyNetlist {
  return parseNetlist(readFileOrFail(path, 'netlist file', LIMITS.fileBytes).toString('utf8'), path);
}

/**
 * Serializes a netlist: indented objects, but arrays of numbers (and arrays of such arrays)
 * on one line, so a million-gate file stays a few lines per layer. JSON.parse of the result
 * gives back an equal value (numbers print in JavaScript's shortest round-trip form).
 */
export function formatNetlist(net: AnyNetlist): string {
  return stringify(net, '') + '\n';
}

function isFlat(v: unknown[]): boolean {
  return v.every((x) => typeof x !== 'object' || x === null || (Array.isArray(x) && x.every((y) => typeof y !== 'object' || y === null)));
}

function stringify(v: unknown, indent: string): string {
  if (Array.isArray(v)) {
    if (v.length === 0 || isFlat(v)) return JSON.stringify(v);
    const inner = indent + '  ';
    return `[\n${v.map((x) => inner + stringify(x, inner)).join(',\n')}\n${indent}]`;
  }
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    const inner = indent + '  ';
    return `{\n${entries.map(([k, x]) => `${inner}${JSON.stringify(k)}: ${stringify(x, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(v);
}

/** Validates, then writes atomically (temp file + rename). */
export function saveNetlist(path: string, net: AnyNetlist): void {
  validateNetlist(net, path);
  writeFileAtomic(path, formatNetlist(net));
}

/** Output signals of every layer (a v1 layer's gates). */
export function netlistWidths(net: AnyNetlist): number[] {
  return net.version === 2 ? layerWidths(net.inputs, net.layers) : net.layers.map((l) => l.op.length);
}

/**
 * Two-input gates the network computes: for v1 the gates of the file, for v2 the gates it
 * unrolls to (conv trees at every position, OR pooling as OR gates; what `lgnc flatten` writes).
 */
export function gateCount(net: AnyNetlist): number {
  if (net.version !== 2) return net.layers.reduce((s, l) => s + l.op.length, 0);
  return layerGateCounts(net).reduce((s, n) => s + n, 0);
}

/** Unrolled gates of every layer (gateCount per layer). */
export function layerGateCounts(net: AnyNetlist): number[] {
  if (net.version !== 2) return net.layers.map((l) => l.op.length);
  const widths = netlistWidths(net);
  return net.layers.map((l, i) => unrolledGates(l, i === 0 ? net.inputs : widths[i - 1], i === net.layers.length - 1));
}

/** Gates stored in the file (a conv kernel's tree once, shared over positions): the parameters. */
export function storedGateCount(net: AnyNetlist): number {
  if (net.version !== 2) return gateCount(net);
  return net.layers.reduce((s, l) => s + storedGates(l), 0);
}

/** Outputs per class (the Group-Sum block size). */
export function outputsPerClass(net: AnyNetlist): number {
  const widths = netlistWidths(net);
  return widths[widths.length - 1] / net.output.classes;
}
