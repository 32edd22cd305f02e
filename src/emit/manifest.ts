// emit/manifest.ts — checks a build manifest (format "lgnc-build", written by compileToDir)
// before verify, synth or flow use it: a JSON Schema for the shape (ajv), sizes within the
// netlist limits, then the facts a schema cannot state (file names follow `top`, port widths
// follow the sizes). Guarantees: a manifest that passes is one compileToDir could have written
// as far as every field verify/synth/flow read goes; anything else is a UserError naming the
// file, the field and the fix (recompile) — a hand-edited or damaged manifest never reaches
// the tools, and `top` can never name a path outside the build folder.

import { Ajv, type ErrorObject } from 'ajv';
import { classWidth, scoreWidth } from '../ir/ir.js';
import { LIMITS } from '../netlist/limits.js';
import { UserError } from '../util/errors.js';

const count = (max: number) => ({ type: 'integer', minimum: 0, maximum: max });
const positive = (max: number) => ({ type: 'integer', minimum: 1, maximum: max });
const object = (props: Record<string, unknown>) => ({ type: 'object', required: Object.keys(props), properties: props });
const gates = count(1 << 30);

const SCHEMA = {
  ...object({
    format: { const: 'lgnc-build' },
    version: { const: 1 },
    top: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_$]*$', maxLength: LIMITS.nameLength },
    verilog: { type: 'string' },
    ir: { type: 'string' },
    model: { type: 'string', minLength: 1, maxLength: 4096 },
    modelSha256: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    inputs: positive(LIMITS.inputs),
    classes: positive(LIMITS.classes),
    outputsPerClass: positive(LIMITS.layerWidth),
    scoreWidth: positive(32),
    classWidth: positive(32),
    pipeline: object({ every: { anyOf: [{ type: 'null' }, positive(1 << 20)] }, latency: count(1 << 24) }),
    optimized: { type: 'boolean' },
    stats: object({
      netlistGates: gates,
      networkGates: gates,
      gates,
      gatesByRegion: object({ network: gates, popcount: gates, argmax: gates }),
      levels: gates,
      popcount: object({ fullAdders: gates, halfAdders: gates }),
      lut4Estimate: gates,
      registers: gates,
      passes: {
        type: 'array',
        maxItems: 4096,
        items: object({ phase: { type: 'string' }, pass: { type: 'string' }, runs: gates, before: gates, after: gates, removed: gates, added: gates }),
      },
    }),
  }),
};

let validate: ((v: unknown) => boolean) & { errors?: ErrorObject[] | null } | undefined;

/** Returns the manifest typed, or throws a UserError naming `file` and the field. */
export function checkBuildManifest<T>(value: unknown, file: string): T {
  validate ??= new Ajv({ allErrors: false, strict: false }).compile(SCHEMA);
  const fail = (path: string, problem: string): never => {
    throw new UserError(`${file}: ${path || '(top level)'}: ${problem}. The build manifest is damaged or from another tool: recompile with \`lgnc compile MODEL -o DIR\`.`);
  };
  if (!validate(value)) {
    const e = validate.errors![0];
    fail(e.instancePath, e.keyword === 'required' ? `missing "${(e.params as { missingProperty: string }).missingProperty}"` : e.message ?? 'invalid');
  }
  const m = value as { top: string; verilog: string; ir: string; outputsPerClass: number; classes: number; scoreWidth: number; classWidth: number };
  if (m.verilog !== `${m.top}.v`) fail('/verilog', `is ${JSON.stringify(m.verilog)}, expected "${m.top}.v" (the core file is named after the top module)`);
  if (m.ir !== `${m.top}.ir.json`) fail('/ir', `is ${JSON.stringify(m.ir)}, expected "${m.top}.ir.json"`);
  if (m.scoreWidth !== scoreWidth(m.outputsPerClass)) fail('/scoreWidth', `is ${m.scoreWidth}, but ${m.outputsPerClass} outputs per class need ${scoreWidth(m.outputsPerClass)} bits`);
  if (m.classWidth !== classWidth(m.classes)) fail('/classWidth', `is ${m.classWidth}, but ${m.classes} classes need ${classWidth(m.classes)} bits`);
  return value as T;
}
