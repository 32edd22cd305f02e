// netlist/limits.ts — the size limits of everything lgnc reads, in one place. The netlist
// schema (injected at load), the semantic checks, the readers (vectors, CSV, checkpoints,
// build manifests) and the CLI's option parsing all read them, so a hostile or damaged size
// is refused with its limit before anything is allocated for it. Documented in the README
// ("Limits"); raising one is a one-line change here.

import { UserError } from '../util/errors.js';

export const LIMITS = {
  /** Input bits of a network (`inputs`). MNIST at 1 bit a pixel is 784. */
  inputs: 1 << 20,
  /** Gate layers of a network. */
  layers: 1024,
  /** Characters of a netlist name (it becomes a Verilog module name). */
  nameLength: 256,
  /** Gates in one layer. */
  layerWidth: 1 << 22,
  /** Gates in all layers together. */
  gates: 1 << 24,
  /** Group-Sum classes. */
  classes: 1 << 16,
  /** Raw features of a threshold encoding (or columns of a CSV). */
  features: 1 << 20,
  /** Thresholds of one feature (`uniform:K` / `quantile:K`). */
  thresholdsPerFeature: 1024,
  /** Vectors in one vector file, or asked for with --vectors. */
  vectors: 1 << 24,
  /** Input bits × vectors held at once (512 MiB of packed bits). */
  vectorBits: 2 ** 32,
  /** Samples per split (CSV rows, --limit). */
  samples: 1 << 26,
  /** Bytes of one netlist, vector, checkpoint or manifest file (JSON text must fit one string). */
  fileBytes: 500 * 2 ** 20,
  /** Bytes of one CSV file (its rows are held as text while parsing). */
  csvBytes: 2 ** 28,
  /** Training: samples per step (--batch). */
  batch: 1 << 16,
  /** Training: passes over the data (--epochs). */
  epochs: 1_000_000,
  /** Training: worker threads (--threads). */
  threads: 64,
  /** Training: candidates per gate input (--connect topk:K). */
  topk: 64,
  /** Random seeds (--seed; nextpnr's is a C int). */
  seed: 2 ** 31 - 1,
} as const;

export type LimitName = keyof typeof LIMITS;

/** What each limit counts, for messages ("more than the limit of 1,048,576 input bits"). */
const UNITS: Record<LimitName, string> = {
  inputs: 'input bits', nameLength: 'characters', layers: 'layers', layerWidth: 'gates per layer', gates: 'gates in all',
  classes: 'classes', features: 'features', thresholdsPerFeature: 'thresholds per feature',
  vectors: 'vectors', vectorBits: 'input bits × vectors', samples: 'samples', fileBytes: 'bytes',
  csvBytes: 'bytes', batch: 'samples per step', epochs: 'epochs', threads: 'threads', topk: 'candidates', seed: 'for a seed',
};

/** "more than lgnc's limit of 1,048,576 input bits (see "Limits" in the README)". */
export function overLimit(name: LimitName): string {
  return `more than lgnc's limit of ${LIMITS[name].toLocaleString('en-US')} ${UNITS[name]} (see "Limits" in the README)`;
}

/** Throws a UserError naming `what` (a flag or a file:path) when value exceeds the limit. */
export function checkLimit(value: number, name: LimitName, what: string, fix = 'use a smaller value'): number {
  if (value > LIMITS[name]) throw new UserError(`${what}: ${value.toLocaleString('en-US')} is ${overLimit(name)}; ${fix}`);
  return value;
}

/**
 * A whole-number option within [min, limit]: for commander parsers and option checks.
 * Messages name the flag, the range and an example.
 */
export function wholeNumberOption(flag: string, value: string, min: number, limit?: LimitName): number {
  const v = value.trim();
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min) {
    throw new UserError(`${flag} ${/^\S+$/.test(value) ? value : JSON.stringify(value)}: must be a whole number >= ${min}${limit ? ` and <= ${LIMITS[limit].toLocaleString('en-US')}` : ''}`);
  }
  return limit ? checkLimit(n, limit, flag) : n;
}

/** The netlist JSON Schema with the limits filled in as maximum / maxItems (v1 fields). */
export function withLimits(schema: Record<string, any>): Record<string, any> {
  const p = schema.properties;
  const set = (node: Record<string, any> | undefined, key: string, value: number) => {
    if (node) node[key] = value;
  };
  set(p?.inputs, 'maximum', LIMITS.inputs);
  set(p?.name, 'maxLength', LIMITS.nameLength);
  set(p?.layers, 'maxItems', LIMITS.layers);
  // Gate arrays (v1 and v2 gate layers) and conv kernels are held per layer.
  const defs = schema.definitions;
  for (const layer of [defs?.gateLayer, defs?.v2GateLayer]) {
    for (const k of ['a', 'b', 'op']) set(layer?.properties?.[k], 'maxItems', LIMITS.layerWidth);
  }
  for (const k of ['leaves', 'op']) set(defs?.convLayer?.properties?.[k], 'maxItems', LIMITS.layerWidth);
  set(p?.output?.properties?.classes, 'maximum', LIMITS.classes);
  const enc = p?.encoding?.properties;
  set(enc?.features, 'maximum', LIMITS.features);
  set(enc?.thresholds, 'maxItems', LIMITS.features);
  set(enc?.thresholds?.items, 'maxItems', LIMITS.thresholdsPerFeature);
  return schema;
}
