// The compile step as a library call: netlist file → build folder (the build contract).
// compileToDir writes DIR/<top>.v (the core module), DIR/<top>.json (the build manifest,
// format "lgnc-build") and DIR/<top>.ir.json (the optimized IR), atomically, and returns the
// manifest. With `emit` it writes software backends instead of or besides the Verilog:
// 'c' → DIR/<top>.c + DIR/<top>.h (c.ts), 'wasm' → DIR/<top>.wasm + DIR/<top>.mjs (wasm.ts,
// wasm-loader.ts). Before writing anything it checks the lowered IR against the reference evaluator
// on random vectors (256; 64 above 200k gates), so a compiler bug stops the build instead of
// producing wrong hardware.
// readBuildManifest finds and validates the manifest in a build folder for verify/synth/flow.

import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateNetlist } from '../netlist/evaluate.js';
import { gateCount, outputsPerClass, parseNetlist, storedGateCount, type AnyNetlist } from '../netlist/netlist.js';
import { randomVectors } from '../netlist/vectors.js';
import { evaluateIr } from '../ir/evaluate.js';
import { irFromNetlist } from '../ir/from-netlist.js';
import { absorbInputInversions, classWidth, depth, nodeLevels, REGION_NAMES, scoreWidth, supportOf, type Ir } from '../ir/ir.js';
import { evaluateNodes, litSlices } from '../ir/evaluate.js';
import { arithStats, buildArith, evaluateArith, type Arith, type ArgmaxForm } from './arith.js';
import { emitRegionsChain, emitRegionsGates } from './regions.js';
import { optimize, type PassRun } from '../ir/passes/index.js';
import { UserError } from '../util/errors.js';
import { readFileOrFail, writeFilesAtomic, type OutputFile } from '../util/files.js';
import { LGNC_VERSION } from '../util/version.js';
import { LIMITS, overLimit } from '../netlist/limits.js';
import { ByteWriter } from './bytes.js';
import { checkBuildManifest } from './manifest.js';
import { estimateLut4 } from './lut-estimate.js';
import { isVerilogIdentifier, verilogIdentifier } from './names.js';
import { emitVerilog, liveNodes, type DelayLineStats } from './verilog.js';
import { emitC, isCIdentifier } from './c.js';
import { emitWasm } from './wasm.js';
import { emitWasmLoader } from './wasm-loader.js';
import { planPipeline, type PipelinePlan } from './pipeline-plan.js';

export interface CompileOptions {
  /** Module (and file) name; default: the netlist name, sanitized. */
  top?: string;
  /** Gate levels per pipeline stage, or 'auto' (chosen for `freq` by the delay model); null/undefined: combinational. */
  pipeline?: number | 'auto' | null;
  /** Clock target in MHz for `pipeline: 'auto'`. */
  freq?: number;
  /** Run the optimization passes (default true). */
  optimize?: boolean;
  /**
   * The hardware form of Group-Sum and argmax in a combinational core: 'ripple' (full adders,
   * then carry-chain adds that take count bits as carry-ins; the default, DEFAULT_ARITH),
   * 'chain' (carry-save full adders, carry-chain adds and comparators), 'fused' (chain, with
   * the last layer's gates inside the popcount) or 'gates' (the lowered IR's gate-level
   * adders). Pipelined cores use the gates.
   */
  arith?: ArithKind;
  /**
   * Argmax in a combinational core with a non-gates arith: 'tree' (a tournament of LUT
   * comparators and score muxes) or 'scan' (elimination, most significant bit first; fewer
   * cells, more LUT levels). Default DEFAULT_ARGMAX.
   */
  argmax?: ArgmaxForm;
  /** Called at the start of each phase (for progress lines on big netlists). */
  onPhase?: (phase: string) => void;
  /** Filled with milliseconds per phase (kept out of the manifest, which is deterministic). */
  timings?: Record<string, number>;
  /** What to write (default ['verilog']): the Verilog build, C source, a WebAssembly module. */
  emit?: EmitTarget[];
}

export type EmitTarget = 'verilog' | 'c' | 'wasm';
export const EMIT_TARGETS: EmitTarget[] = ['verilog', 'c', 'wasm'];

/** One row of the pass table: a pass's runs within one phase, summed. */
export interface PassSummary {
  phase: PassRun['phase'];
  pass: string;
  runs: number;
  before: number;
  after: number;
  removed: number;
  added: number;
}

export type ArithKind = 'fused' | 'chain' | 'ripple' | 'gates';
export const ARITH_KINDS: ArithKind[] = ['fused', 'chain', 'ripple', 'gates'];
/**
 * The default: measured on the default MNIST model through the real flow (HX8K, serial
 * shell with the block RAM buffer, regions kept, router2), the ripple form gave the fewest
 * logic cells and the highest Fmax: 3,080 cells (popcount 1,351, argmax 170), 23.5 MHz,
 * against 3,234 (1,515 / 160), 20.4 MHz for gates and 3,234 (1,470 / 207) for chain (README).
 */
export const DEFAULT_ARITH: ArithKind = 'ripple';
export const DEFAULT_ARGMAX: ArgmaxForm = 'tree';

export interface CompileStats {
  /** Two-input gates of the source netlist (v2: conv trees unrolled at every position, OR pooling as OR gates). */
  netlistGates: number;
  /** Gates stored in the netlist (v2: each conv kernel's tree once; netlistGates counts them at every position). */
  netlistStoredGates: number;
  /** Network gates after the network passes (before lowering). */
  networkGates: number;
  /** Gates of the emitted design, in total and per region. */
  gates: number;
  gatesByRegion: Record<(typeof REGION_NAMES)[number], number>;
  /** Logic depth of the emitted design in gate levels. */
  levels: number;
  popcount: { fullAdders: number; halfAdders: number };
  lut4Estimate: number;
  /** Pipeline register bits (0 when combinational), delay lines not counted. */
  registers: number;
  /** Pipelined cores: the delay lines that carry finished outputs to the last bank (block RAMs on an iCE40). */
  delayLines?: DelayLineStats;
  rounds: { network: number; design: number };
  passes: PassSummary[];
  /** The carry-chain datapath's parts (arith 'chain' only). */
  arith?: ReturnType<typeof arithStats>;
}

/** What a shell, a board top or the Verilator harness needs to know about a core. */
export interface CoreInterface {
  top: string;
  inputs: number;
  classes: number;
  scoreWidth: number;
  classWidth: number;
  /** Pipelined core: has clk, in_valid, out_valid. */
  pipelined: boolean;
  /** Rising edges from sampling an input to its result (0 for a combinational core). */
  latency: number;
  /** Input bits the core reads through no gate (a shell need not store them). */
  unreadInputs?: number[];
}

/** The core interface a build manifest describes. */
export function coreInterface(m: BuildManifest): CoreInterface {
  return {
    top: m.top, inputs: m.inputs, classes: m.classes, scoreWidth: m.scoreWidth, classWidth: m.classWidth,
    pipelined: m.pipeline.every !== null, latency: m.pipeline.latency, unreadInputs: m.unreadInputs,
  };
}

export interface BuildManifest {
  format: 'lgnc-build';
  version: 1;
  top: string;
  verilog: string;
  ir: string;
  model: string;
  modelSha256: string;
  inputs: number;
  classes: number;
  outputsPerClass: number;
  scoreWidth: number;
  classWidth: number;
  pipeline: { every: number | null; latency: number; auto?: PipelinePlan };
  optimized: boolean;
  /** Hardware form of Group-Sum and argmax ('gates' for builds before it was recorded). */
  arith?: ArithKind;
  /** The core is one module per region (network, popcount, argmax) under the top. */
  regions?: boolean;
  /** Input bits no gate of the core reads (ascending). */
  unreadInputs?: number[];
  stats: CompileStats;
  lgncVersion: string;
}

/** Per (phase, pass) totals, in the order the passes first ran. */
export function summarizeRuns(runs: PassRun[]): PassSummary[] {
  const rows = new Map<string, PassSummary>();
  for (const r of runs) {
    const key = `${r.phase}/${r.pass}`;
    const row = rows.get(key);
    if (!row) rows.set(key, { phase: r.phase, pass: r.pass, runs: 1, before: r.before, after: r.after, removed: r.removed, added: r.added });
    else {
      row.runs++;
      row.after = r.after;
      row.removed += r.removed;
      row.added += r.added;
    }
  }
  return [...rows.values()];
}

function gatesByRegion(ir: Ir): CompileStats['gatesByRegion'] {
  const n = [0, 0, 0];
  for (let g = 0; g < ir.gates; g++) n[ir.region[g]]++;
  return { network: n[0], popcount: n[1], argmax: n[2] };
}

/** Checks the lowered IR against the reference evaluator; a mismatch is a compiler bug. */
export function selfCheck(net: AnyNetlist, ir: Ir, vectors = 256, seed = 0x1c0ffee): void {
  const x = randomVectors(net.inputs, vectors, seed);
  const want = evaluateNetlist(net, x);
  const got = evaluateIr(ir, x);
  for (let i = 0; i < want.scores.length; i++) {
    if (want.scores[i] !== got.scores[i]) throw new Error(`compiler self-check failed: score mismatch at vector ${Math.floor(i / net.output.classes)} class ${i % net.output.classes} (a bug in lgnc; please report it)`);
  }
  for (let s = 0; s < want.count; s++) {
    if (want.predictions[s] !== got.predictions[s]) throw new Error(`compiler self-check failed: class mismatch at vector ${s} (a bug in lgnc; please report it)`);
  }
}

/** Output gates that nothing but their one Group-Sum output reads: the popcount may take them in. */
function fusableGates(ir: Ir): (lit: number) => { op: number; a: number; b: number } | null {
  const first = 1 + ir.inputs;
  const reads = new Int32Array(first + ir.gates);
  for (let g = 0; g < ir.gates; g++) {
    const support = supportOf(ir.op[g]);
    if (support & 1) reads[ir.a[g] >>> 1]++;
    if (support & 2) reads[ir.b[g] >>> 1]++;
  }
  for (const lit of ir.outputs!) reads[lit >>> 1]++;
  return (lit) => {
    const n = lit >>> 1;
    if (n < first || reads[n] !== 1) return null;
    const g = n - first;
    // The gate's own input inversions go into its truth table.
    const op = absorbInputInversions(ir.op[g], ir.a[g] & 1, ir.b[g] & 1);
    return { op, a: ir.a[g] & ~1, b: ir.b[g] & ~1 };
  };
}

/** Inputs that no sink literal depends on (through the gates' real support). */
function unreadInputs(sinks: Int32Array[], ir: Ir): number[] {
  const live = liveNodes(ir, sinks);
  const out: number[] = [];
  for (let i = 0; i < ir.inputs; i++) if (!live[1 + i]) out.push(i);
  return out;
}

/** Checks the carry-chain datapath on the network IR against the reference evaluator. */
export function selfCheckArith(net: AnyNetlist, network: Ir, arith: Arith, vectors = 256, seed = 0x1c0ffee): void {
  const x = randomVectors(net.inputs, vectors, seed);
  const want = evaluateNetlist(net, x);
  const rows = litSlices(evaluateNodes(network, x), arith.inputs, x);
  const v = evaluateArith(arith, x.words, (i) => rows.data.subarray(i * x.words, (i + 1) * x.words));
  const bit = (sig: number, s: number) => (v[sig * x.words + (s >>> 5)] >>> (s & 31)) & 1;
  const K = arith.classes, W = arith.scoreWidth;
  for (let s = 0; s < x.count; s++) {
    for (let c = 0; c < K; c++) {
      let score = 0;
      for (let j = 0; j < W; j++) score |= bit(arith.scores[c * W + j], s) << j;
      if (score !== want.scores[s * K + c]) throw new Error(`compiler self-check failed: carry-chain score mismatch at vector ${s} class ${c} (a bug in lgnc; please report it)`);
    }
    let cls = 0;
    for (let j = 0; j < arith.classId.length; j++) cls |= bit(arith.classId[j], s) << j;
    if (cls !== want.predictions[s]) throw new Error(`compiler self-check failed: carry-chain class mismatch at vector ${s} (a bug in lgnc; please report it)`);
  }
}

/** The IR as plain JSON: one line per array, so a million gates stay readable. */
export function formatIr(ir: Ir): Uint8Array {
  const w = new ByteWriter(1024 + ir.gates * 24);
  const arr = (key: string, a: Int32Array | Uint8Array | null, last = false) => {
    w.str(`  ${JSON.stringify(key)}: `);
    if (a === null) w.str('null');
    else {
      w.str('[');
      for (let i = 0; i < a.length; i++) { if (i) w.str(','); w.num(a[i]); }
      w.str(']');
    }
    w.str(last ? '\n' : ',\n');
  };
  w.str([
    '{',
    '  "format": "lgnc-ir",',
    '  "version": 1,',
    `  "name": ${JSON.stringify(ir.name)},`,
    `  "inputs": ${ir.inputs},`,
    `  "classes": ${ir.classes},`,
    `  "outputsPerClass": ${ir.outputsPerClass},`,
    `  "scoreWidth": ${scoreWidth(ir.outputsPerClass)},`,
    `  "classWidth": ${classWidth(ir.classes)},`,
    '  "literals": "lit = 2*node + inverted; node 0 is FALSE (lit 1 is TRUE), node 1+i is input x[i], gate g is node 1+inputs+g; a gate reads only lower nodes",',
    '  "ops": "op 0..15 is the truth table: output for (A, B) is bit 3-(2A+B), as in the lgn-netlist gate table",',
    `  "regions": ${JSON.stringify(REGION_NAMES)},`,
    `  "gates": ${ir.gates},`,
    '',
  ].join('\n'));
  arr('a', ir.a.subarray(0, ir.gates));
  arr('b', ir.b.subarray(0, ir.gates));
  arr('op', ir.op.subarray(0, ir.gates));
  arr('region', ir.region.subarray(0, ir.gates));
  arr('scores', ir.scores);
  arr('classId', ir.classId, true);
  w.str('}\n');
  return w.bytes();
}

function headerLines(m: Omit<BuildManifest, 'stats'>, s: CompileStats, modelName: string): string[] {
  const lines = [
    `${m.verilog}: module ${m.top}, generated by lgnc ${m.lgncVersion}. Do not edit; recompile instead.`,
    `model: ${modelName} (netlist "${m.model.split(/[\\/]/).pop()}")`,
    `model sha256: ${m.modelSha256}`,
    `interface: x[${m.inputs - 1}:0] in; scores[${m.classes * m.scoreWidth - 1}:0] out (${m.classes} classes x ${m.scoreWidth} bits, class c at [c*${m.scoreWidth} +: ${m.scoreWidth}]); class_id[${m.classWidth - 1}:0] out (argmax, ties to the lowest class)`,
    m.pipeline.every === null
      ? 'timing: combinational (latency 0)'
      : `timing: pipelined, ${m.pipeline.auto ? `stages of ${m.pipeline.auto.stages.join(', ')} gate levels (--pipeline auto for ${m.pipeline.auto.freqMHz} MHz: the delay model gives at most ${m.pipeline.auto.stageNs} ns a stage)` : `registers every ${m.pipeline.every} gate levels`}; clk, in_valid, out_valid; latency ${m.pipeline.latency} cycles, one result per clock${s.delayLines?.lines ? `; ${s.delayLines.bits} output bits in ${s.delayLines.lines} delay line${s.delayLines.lines > 1 ? 's' : ''} instead of ${s.delayLines.registersSaved} registers (${s.delayLines.brams} iCE40 block RAM${s.delayLines.brams > 1 ? 's' : ''})` : ''}`,
    `optimized: ${m.optimized ? 'yes' : 'no (--no-opt: the network gate for gate)'}`,
    m.arith === 'ripple'
      ? `arithmetic: Group-Sum as full adders + a tree of carry-chain adds with count bits as carry-ins (${s.arith?.fullAdders} full adders, ${s.arith?.adds} adds), argmax as ${s.arith?.comparators} LUT comparators`
      : m.arith !== 'gates'
      ? `arithmetic: Group-Sum as carry-save full adders + one carry-chain add per class (${s.arith?.fullAdders} full adders${s.arith?.fusedGates ? `, ${s.arith.fusedGates} last-layer gates taken into the popcount` : ''}), argmax as ${s.arith?.comparators} carry-chain comparators`
      : 'arithmetic: Group-Sum and argmax as gate-level adders and comparators',
        `gates: ${s.netlistGates} in the netlist${s.netlistStoredGates !== s.netlistGates ? ` (${s.netlistStoredGates} stored, conv trees unrolled at every position)` : ''} -> ${s.gates} emitted (network ${s.gatesByRegion.network}, popcount ${s.gatesByRegion.popcount}, argmax ${s.gatesByRegion.argmax}); ${s.levels} levels`,
    `popcount: ${s.popcount.fullAdders} full adders, ${s.popcount.halfAdders} half adders; estimated iCE40 LUT4s: ${s.lut4Estimate}`,
  ];
  if (s.passes.length) {
    lines.push('', 'passes (phase, pass, runs: gates removed / added, gates after):');
    for (const p of s.passes) lines.push(`  ${p.phase.padEnd(8)} ${p.pass.padEnd(17)} x${p.runs}: -${p.removed} / +${p.added} -> ${p.after}`);
  }
  return lines;
}

/** The files compileToDir wrote, relative to the folder, in order. */
export function writtenFiles(m: BuildManifest): string[] {
  return (m as BuildManifest & { files?: string[] }).files ?? [];
}

export function compileToDir(netlistPath: string, outDir: string, opts: CompileOptions = {}): BuildManifest {
  const timings: Record<string, number> = opts.timings ?? {};
  let t = performance.now();
  const lap = (name: string) => { const now = performance.now(); timings[name] = Math.round(now - t); t = now; };
  const phase = (p: string) => opts.onPhase?.(p);

  phase('reading the netlist');
  const bytes = readFileOrFail(netlistPath, 'netlist file', LIMITS.fileBytes);
  const modelSha256 = createHash('sha256').update(bytes).digest('hex');
  const net = parseNetlist(bytes.toString('utf8'), netlistPath);
  lap('load');

  if (opts.pipeline === 'auto' && (opts.freq === undefined || !Number.isFinite(opts.freq) || opts.freq <= 0 || opts.freq > 1000)) {
    throw new UserError(`--pipeline auto needs --freq MHz, a clock target above 0 and at most 1000 (e.g. --freq 100)${opts.freq !== undefined ? `; got ${opts.freq}` : ''}`);
  }
  if (opts.pipeline !== 'auto' && opts.freq !== undefined) throw new UserError('--freq is for --pipeline auto (lgnc synth --freq sets the place-and-route target)');
  let pipeline = opts.pipeline === 'auto' ? null : opts.pipeline ?? null;
  if (pipeline !== null && !(Number.isInteger(pipeline) && pipeline >= 1)) {
    throw new UserError(`--pipeline ${pipeline}: must be a whole number of gate levels per stage, 1 or more`);
  }
  const top = opts.top ?? verilogIdentifier(net.name);
  if (top.length > LIMITS.nameLength) throw new UserError(`--top: a module name of ${top.length} characters is ${overLimit('nameLength')}; choose a shorter one`);
  if (!isVerilogIdentifier(top)) {
    throw new UserError(`--top ${JSON.stringify(top)}: not a legal Verilog module name; use letters, digits and _ (not starting with a digit), e.g. --top ${verilogIdentifier(top)}`);
  }

  phase('optimizing');
  const doOpt = opts.optimize !== false;
  const ir0 = irFromNetlist(net);
  const opt = optimize(ir0, { optimize: doOpt });
  lap('optimize');
  phase('checking against the reference evaluator');
  // 256 vectors, fewer on huge designs (the check is a guard, not the verification).
  selfCheck(net, opt.ir, opt.ir.gates > 200_000 ? 64 : 256);
  const auto = opts.pipeline === 'auto' ? planPipeline(opt.ir, opts.freq!) : undefined;
  if (auto) pipeline = auto.every;
  let arithKind: ArithKind = pipeline === null ? (opts.arith ?? DEFAULT_ARITH) : 'gates';
  let arith: Arith | null = null;
  if (arithKind !== 'gates') {
    const levels = nodeLevels(opt.network);
    arith = buildArith(opt.network.outputs!, net.output.classes, (lit) => levels[lit >>> 1], arithKind === 'fused' ? fusableGates(opt.network) : undefined, arithKind === 'ripple' ? 'ripple' : 'csa', opts.argmax ?? DEFAULT_ARGMAX);
    selfCheckArith(net, opt.network, arith, opt.ir.gates > 200_000 ? 64 : 256);
    // A network whose outputs are all constant has no arithmetic to build.
    if (arith.inputs.length === 0) { arith = null; arithKind = 'gates'; }
  }
  lap('selfCheck');

  const ir = opt.ir;
  const passes = summarizeRuns(opt.runs);
  const networkGates = doOpt ? passes.filter((p) => p.phase === 'network').pop()!.after : ir0.gates;
  const stats: CompileStats = {
    netlistGates: gateCount(net),
    netlistStoredGates: storedGateCount(net),
    networkGates,
    gates: ir.gates,
    gatesByRegion: gatesByRegion(ir),
    levels: depth(ir),
    popcount: { fullAdders: opt.fullAdders, halfAdders: opt.halfAdders },
    lut4Estimate: estimateLut4(ir),
    registers: 0,
    rounds: opt.rounds,
    passes,
    ...(arith ? { arith: arithStats(arith) } : {}),
  };
  lap('stats');

  const M = outputsPerClass(net);
  const manifest: BuildManifest = {
    format: 'lgnc-build',
    version: 1,
    top,
    verilog: `${top}.v`,
    ir: `${top}.ir.json`,
    model: netlistPath,
    modelSha256,
    inputs: net.inputs,
    classes: net.output.classes,
    outputsPerClass: M,
    scoreWidth: scoreWidth(M),
    classWidth: classWidth(net.output.classes),
    pipeline: { every: pipeline, latency: 0, ...(auto ? { auto } : {}) },
    optimized: doOpt,
    arith: arithKind,
    regions: pipeline === null,
    unreadInputs: unreadInputs(arith ? [arith.inputs] : [ir.scores!, ir.classId!], arith ? opt.network : ir),
    stats,
    lgncVersion: LGNC_VERSION,
  };

  const emit = new Set(opts.emit ?? ['verilog']);
  // Every file of the build or none: collected here, written together at the end.
  const outputs: OutputFile[] = [];
  const files: string[] = [];
  const write = (name: string, data: string | Uint8Array) => { outputs.push({ path: join(outDir, name), data }); files.push(name); };
  const swHeader = [`model: ${net.name} (netlist "${netlistPath.split(/[\\/]/).pop()}", sha256 ${modelSha256})`, `lgnc ${LGNC_VERSION}; ${ir.gates} gates (network ${stats.gatesByRegion.network}, popcount ${stats.gatesByRegion.popcount}, argmax ${stats.gatesByRegion.argmax})`];
  if (emit.has('c')) {
    if (!isCIdentifier(top)) throw new UserError(`--top ${JSON.stringify(top)}: not a legal C identifier for --emit c; use letters, digits and _ (not starting with a digit)`);
    phase('emitting C');
    const c = emitC(ir, { top, encoding: net.encoding, header: swHeader });
    lap('emitC');
    write(`${top}.c`, c.c);
    write(`${top}.h`, c.h);
  }
  if (emit.has('wasm')) {
    phase('emitting WebAssembly');
    const w = emitWasm(ir);
    lap('emitWasm');
    write(`${top}.wasm`, w.bytes);
    write(`${top}.mjs`, emitWasmLoader(top, w.layout, swHeader));
  }
  Object.defineProperty(manifest, 'files', { value: files, enumerable: false });
  if (!emit.has('verilog')) {
    writeFilesAtomic(outputs);
    return manifest;
  }

  phase('emitting Verilog');
  const v = pipeline !== null
    ? emitVerilog(ir, {
      top,
      pipeline: auto ? auto.stages : pipeline,
      header: ({ latency, registers, delayLines }) => {
        manifest.pipeline.latency = latency;
        stats.registers = registers;
        stats.delayLines = delayLines;
        return headerLines(manifest, stats, net.name);
      },
    })
    : { bytes: arith ? emitRegionsChain(opt.network, arith, { top, header: headerLines(manifest, stats, net.name) })
      : emitRegionsGates(ir, { top, header: headerLines(manifest, stats, net.name) }) };
  lap('emit');

  phase('writing files');
  // The manifest goes last, so it is renamed into place after the files it describes.
  write(manifest.verilog, v.bytes);
  write(manifest.ir, formatIr(ir));
  write(`${top}.json`, JSON.stringify(manifest, null, 2) + '\n');
  writeFilesAtomic(outputs);
  lap('write');
  return manifest;
}

/**
 * The build manifest in DIR: the only *.json file with "format": "lgnc-build" (with several,
 * `top` picks one). Throws a UserError that says how to fix a missing or ambiguous build.
 */
export function readBuildManifest(dir: string, top?: string): BuildManifest {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  } catch {
    throw new UserError(`${dir}: no such build folder. Run \`lgnc compile MODEL -o ${dir}\` first.`);
  }
  const found: BuildManifest[] = [];
  const fileOf = new Map<BuildManifest, string>();
  for (const f of names) {
    if (f.endsWith('.ir.json')) continue;
    let value: unknown;
    try {
      value = JSON.parse(readFileOrFail(join(dir, f), 'build manifest', LIMITS.fileBytes).toString('utf8'));
    } catch {
      continue; // not JSON, so not a manifest
    }
    if (value && typeof value === 'object' && (value as { format?: unknown }).format === 'lgnc-build') {
      found.push(value as BuildManifest);
      fileOf.set(value as BuildManifest, join(dir, f));
    }
  }
  const tops = () => found.map((m) => String(m.top)).join(', ');
  if (found.length === 0) throw new UserError(`${dir}: no build manifest (a *.json with "format": "lgnc-build"). Run \`lgnc compile MODEL -o ${dir}\` first.`);
  const pick = top === undefined ? found : found.filter((m) => m.top === top);
  if (pick.length === 0) throw new UserError(`${dir}: no build for top ${JSON.stringify(top)}; found: ${tops()}`);
  if (pick.length > 1) throw new UserError(`${dir}: holds several builds (${pick.map((m) => String(m.top)).join(', ')}); choose one with --top NAME`);
  const m = pick[0];
  const file = fileOf.get(m)!;
  if (m.version !== 1) throw new UserError(`${file}: build manifest version ${JSON.stringify(m.version)} is not supported by lgnc ${LGNC_VERSION}; recompile`);
  return checkBuildManifest<BuildManifest>(m, file);
}
