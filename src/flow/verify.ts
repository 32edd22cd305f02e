// Verification: proves by simulation that a compiled core computes, bit for bit, what the
// reference evaluator (src/netlist/evaluate.ts) computes (on large vector sets through the
// compiled WebAssembly backend of the unoptimized network, cross-checked, see evaluateInBulk): the same K class scores and the
// same class_id for every input vector checked, and, for a pipelined core, every result
// exactly `latency` rising edges after its sampling edge with out_valid high then and only
// then. The vectors: all 2^N when the network has at most 20 inputs, else seeded random
// ones, or the caller's (a vector file, an encoded dataset split).
// Optional extra checks: the Yosys-synthesized netlist simulated the same way (postsynth.ts)
// and a formal equivalence proof of the optimized against the unoptimized design (formal.ts).
// On a stream build (lgnc synth --shell stream) the shell's self-test run is simulated too:
// its signature and cycle count must be what the reference evaluator gives (stream.ts).

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { compileToDir, coreInterface, readBuildManifest, type BuildManifest, type CoreInterface } from '../emit/build.js';
import { evaluateInBulk } from '../emit/wasm-runtime.js';
import { evaluateNetlist, getBit, type BitSlices, type Evaluation } from '../netlist/evaluate.js';
import { parseNetlist, type AnyNetlist } from '../netlist/netlist.js';
import { bytesPerVector, checkVectorCount, exhaustiveVectors, randomVectors } from '../netlist/vectors.js';
import { LIMITS } from '../netlist/limits.js';
import { UserError } from '../util/errors.js';
import { makeTempFolder, readFileOrFail } from '../util/files.js';
import { formalCheck, type FormalReport } from './formal.js';
import { synthesizeForSimulation, type PostSynthTarget } from './postsynth.js';
import { synthMapping } from './yosys.js';
import { expectedStream, simulateStream, simulateStreamBoard, streamShellName, type StreamCheck, type StreamFile } from './stream.js';
import { buildSimulator, runSimulator, type SimOpt, type SimOutput } from './verilator.js';

/** Networks with at most this many inputs are checked on every input vector by default. */
export const EXHAUSTIVE_MAX_INPUTS = 20;
export const DEFAULT_RANDOM_VECTORS = 10_000;

export interface VerifyOptions {
  /** Build folder (from `lgnc compile`). */
  build: string;
  top?: string;
  /** The netlist; default: the manifest's `model`. Must match the manifest's sha256. */
  model?: string;
  /** Vectors to check (file or dataset); default: exhaustive or `count` random. */
  vectors?: BitSlices;
  /** Where `vectors` came from, for the report ("file x.bin", "dataset mnist test"). */
  vectorSource?: string;
  /** Random vectors to check (default 10,000; exhaustive instead when N <= 20 and not set). */
  count?: number;
  seed?: number;
  /** Pipelined cores: in_valid low every gap-th cycle (default 13; 0: never). */
  gap?: number;
  /** Also simulate the Yosys-synthesized netlist. */
  postSynth?: boolean | PostSynthTarget;
  /** Also prove optimized == unoptimized with Yosys (small networks). */
  formal?: boolean;
  /** Gate limit for --formal (bigger networks are skipped, not failed). */
  formalMaxGates?: number;
  /** Mismatches to describe in full (default 5). */
  maxReported?: number;
  /** C++ optimization of the simulator (default by design size, see verilator.ts). */
  simOpt?: SimOpt;
  /** Progress lines (builds, synthesis). */
  log?: (line: string) => void;
}

export interface Mismatch {
  /** Index of the vector in the checked set. */
  index: number;
  /** Input bits as 0/1, bit i first (cut at 256). */
  x: string;
  expected: { scores: number[]; classId: number };
  got: { scores: number[]; classId: number } | null;
  /** Classes whose score differs. */
  classes: number[];
  /** Latency problems of pipelined cores. */
  latency?: { expected: number; got: number };
}

export interface SimCheck {
  /** What was simulated: "verilog" (the emitted core) or "post-synth ice40" etc. */
  design: string;
  mismatches: number;
  first: Mismatch[];
  validErrors: number;
  simSeconds: number;
  vectorsPerSecond: number;
  buildSeconds: number;
  cached: boolean;
  /** C++ optimization level the simulator was built with. */
  simOpt: SimOpt;
  /** Per vector: the reference evaluator's class and the simulated class_id (-1: no result).
   *  Not enumerable, so JSON reports stay small (flow computes accuracies from them). */
  expectedClasses?: Int32Array;
  simulatedClasses?: Int32Array;
}

export interface VerifyReport {
  ok: boolean;
  top: string;
  buildDir: string;
  model: string;
  inputs: number;
  classes: number;
  pipeline: { every: number | null; latency: number };
  vectors: { count: number; source: string; seed: number | null };
  checks: SimCheck[];
  formal?: FormalReport;
  /** A stream build (lgnc synth --shell stream): the shell's signature run, simulated. */
  stream?: StreamCheck[];
  seconds: number;
}

function sha256(buf: Uint8Array): string {
  return createHash('sha256').update(buf).digest('hex');
}

/** The netlist a build was made from; a changed file means the build is stale. */
export function loadBuildModel(manifest: BuildManifest, buildDir: string, model?: string): { net: AnyNetlist; path: string } {
  const path = model ?? manifest.model;
  if (!existsSync(path)) {
    throw new UserError(`${path}: the model of the build in ${buildDir} is not there. Give it: lgnc verify MODEL --build ${buildDir}`);
  }
  const bytes = readFileOrFail(path, 'netlist file', LIMITS.fileBytes);
  if (sha256(bytes) !== manifest.modelSha256) {
    throw new UserError(`${buildDir} is stale: recompile. ${path} is not the netlist ${manifest.top}.v was compiled from (sha256 differs): run lgnc compile ${path} -o ${buildDir}`);
  }
  return { net: parseNetlist(bytes.toString('utf8'), path), path };
}

/** The vectors to check and how they were chosen. */
export function chooseVectors(inputs: number, o: Pick<VerifyOptions, 'vectors' | 'vectorSource' | 'count' | 'seed'>): { x: BitSlices; source: string; seed: number | null } {
  if (o.vectors) {
    if (o.vectors.rows !== inputs) throw new UserError(`${o.vectorSource ?? 'vectors'}: ${o.vectors.rows} bits per vector, the build has ${inputs} inputs.`);
    return { x: o.vectors, source: o.vectorSource ?? 'given', seed: null };
  }
  if (o.count !== undefined && !(Number.isInteger(o.count) && o.count >= 1)) {
    throw new UserError(`--vectors ${o.count}: must be a whole number of vectors, 1 or more.`);
  }
  const all = inputs <= EXHAUSTIVE_MAX_INPUTS ? 2 ** inputs : Infinity;
  if (o.count === undefined ? all !== Infinity : o.count >= all) {
    return { x: exhaustiveVectors(inputs), source: `exhaustive (all 2^${inputs})`, seed: null };
  }
  const seed = o.seed ?? 1;
  const count = o.count ?? DEFAULT_RANDOM_VECTORS;
  checkVectorCount(inputs, count, '--vectors');
  return { x: randomVectors(inputs, count, seed), source: `random (seed ${seed})`, seed };
}

function bitString(x: BitSlices, s: number): string {
  let t = '';
  for (let i = 0; i < Math.min(x.rows, 256); i++) t += getBit(x, i, s) ? '1' : '0';
  return x.rows > 256 ? `${t}…` : t;
}

/** Compares simulator output with the reference evaluation; describes the first few mismatches. */
export function compareOutputs(want: Evaluation, got: SimOutput, x: BitSlices, expectedLatency: number, maxReported = 5): { mismatches: number; first: Mismatch[] } {
  const K = want.classes;
  let mismatches = 0;
  const first: Mismatch[] = [];
  for (let s = 0; s < want.count; s++) {
    const missing = s >= got.results;
    const classes: number[] = [];
    if (!missing) for (let c = 0; c < K; c++) if (want.scores[s * K + c] !== got.scores[s * K + c]) classes.push(c);
    const classBad = !missing && want.predictions[s] !== got.classes[s];
    const latencyBad = !missing && got.latency[s] !== expectedLatency;
    if (!missing && classes.length === 0 && !classBad && !latencyBad) continue;
    mismatches++;
    if (first.length >= maxReported) continue;
    const m: Mismatch = {
      index: s,
      x: bitString(x, s),
      expected: { scores: Array.from(want.scores.subarray(s * K, (s + 1) * K)), classId: want.predictions[s] },
      got: missing ? null : { scores: Array.from(got.scores.subarray(s * K, (s + 1) * K)), classId: got.classes[s] },
      classes,
    };
    if (latencyBad) m.latency = { expected: expectedLatency, got: got.latency[s] };
    first.push(m);
  }
  return { mismatches, first };
}

/**
 * Packed vectors (the .bin format of src/netlist/vectors.ts) from bit slices, visiting set
 * bits only: about 10× faster than bit-by-bit for wide vectors (784 × 20,000 in ~0.1 s).
 */
export function packVectors(x: BitSlices): Uint8Array {
  const per = bytesPerVector(x.rows);
  const buf = new Uint8Array(per * x.count);
  for (let i = 0; i < x.rows; i++) {
    const byte = i >>> 3;
    const bit = 1 << (i & 7);
    const row = i * x.words;
    for (let w = 0; w < x.words; w++) {
      let v = x.data[row + w];
      while (v !== 0) {
        const s = (w << 5) + 31 - Math.clz32(v & -v);
        if (s < x.count) buf[s * per + byte] |= bit;
        v &= v - 1;
      }
    }
  }
  return buf;
}

/** Simulates `sources` (top = shape.top) on x and compares with `want`. */
export function simulateAndCompare(design: string, sources: string[], shape: CoreInterface, x: BitSlices, want: Evaluation, o: Pick<VerifyOptions, 'gap' | 'maxReported' | 'log' | 'simOpt'> = {}): SimCheck {
  const sim = buildSimulator(sources, shape, { log: o.log, opt: o.simOpt });
  const gap = shape.pipelined ? o.gap ?? 13 : 0;
  const got = runSimulator(sim, packVectors(x), x.count, { gap });
  const { mismatches, first } = compareOutputs(want, got, x, shape.latency, o.maxReported ?? 5);
  const check: SimCheck = {
    design,
    mismatches,
    first,
    validErrors: got.validErrors,
    simSeconds: got.simSeconds,
    vectorsPerSecond: got.simSeconds > 0 ? x.count / got.simSeconds : 0,
    buildSeconds: sim.buildSeconds,
    cached: sim.cached,
    simOpt: sim.opt,
  };
  Object.defineProperty(check, 'expectedClasses', { value: want.predictions, enumerable: false });
  Object.defineProperty(check, 'simulatedClasses', { value: got.classes, enumerable: false });
  return check;
}

/** Verifies a build folder; never throws for a mismatch (see `ok`), only for bad input. */
export async function verifyBuild(o: VerifyOptions): Promise<VerifyReport> {
  const t0 = performance.now();
  const manifest = readBuildManifest(o.build, o.top);
  const { net, path } = loadBuildModel(manifest, o.build, o.model);
  const shape = coreInterface(manifest);
  const { x, source, seed } = chooseVectors(net.inputs, o);
  const want = evaluateInBulk(net, x);
  const verilog = join(o.build, manifest.verilog);
  if (!existsSync(verilog)) throw new UserError(`${verilog}: missing from the build folder. Recompile: lgnc compile ${path} -o ${o.build}`);

  const checks = [simulateAndCompare('verilog', [verilog], shape, x, want, o)];
  if (o.postSynth) {
    const target: PostSynthTarget = o.postSynth === true ? 'ice40' : o.postSynth;
    o.log?.(`yosys: synthesizing ${manifest.top} (${target}) for post-synthesis simulation`);
    const synth = await synthesizeForSimulation(verilog, manifest.top, target, synthMapping(manifest.top, !!manifest.regions, manifest.pipeline.every === null));
    checks.push(simulateAndCompare(`post-synth ${target}`, synth.sources, shape, x, want, o));
  }
  const stream = await verifyStreamBuild(o.build, manifest, net, shape, !!o.postSynth, o.log);
  let formal: FormalReport | undefined;
  if (o.formal) {
    // Prove the build's own Verilog when it is the combinational, optimized design.
    const own = manifest.pipeline.every === null && manifest.optimized ? { path: verilog, top: manifest.top } : undefined;
    formal = await formalCheck(path, net, { maxGates: o.formalMaxGates, optimized: own, log: o.log });
  }

  const ok = checks.every((c) => c.mismatches === 0 && c.validErrors === 0) && (formal === undefined || formal.status !== 'failed')
    && (stream === undefined || stream.every((c) => c.ok));
  return {
    ok,
    top: manifest.top,
    buildDir: o.build,
    model: path,
    inputs: manifest.inputs,
    classes: manifest.classes,
    pipeline: manifest.pipeline,
    vectors: { count: x.count, source, seed },
    checks,
    formal,
    ...(stream ? { stream } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * On a stream build (DIR/<top>_stream.v and .json from `lgnc synth --shell stream`): the
 * expectation is recomputed from the model (the file's is not trusted), then the shell runs
 * under Verilator from power-up to done — and, with post-synthesis, its synth_ice40 netlist.
 * A board build (--board) is run as a host runs the board: through its UART top, the
 * self-test command sent and the answer lines decoded (the shell is inside).
 */
async function verifyStreamBuild(dir: string, m: BuildManifest, net: AnyNetlist, shape: CoreInterface, postSynth: boolean, log?: (line: string) => void): Promise<StreamCheck[] | undefined> {
  const name = streamShellName(shape);
  const file = join(dir, `${name}.json`), shell = join(dir, `${name}.v`);
  if (!existsSync(file) || !existsSync(shell)) return undefined;
  const recorded = JSON.parse(readFileSync(file, 'utf8')) as StreamFile;
  const expected = expectedStream(net, shape, { count: recorded.count, seed: recorded.seed });
  if (expected.signature !== recorded.signature || expected.cycles !== recorded.cycles) {
    throw new UserError(`${file}: records signature ${recorded.signature} / ${recorded.cycles} cycles, but the model gives ${expected.signature} / ${expected.cycles}: the stream build is stale; rerun lgnc synth ${dir} --shell stream`);
  }
  const uart = recorded.uart;
  const top = uart ? uart.top : name;
  const sources = [join(dir, m.verilog), shell, ...(uart ? [join(dir, 'lgnc_uart.v'), join(dir, `${uart.top}.v`)] : [])];
  for (const f of sources) if (!existsSync(f)) throw new UserError(`${f}: missing from the stream build; rerun lgnc synth ${dir} --shell stream${uart ? ` --board ${uart.board}` : ''}`);
  const simulate = (design: string, files: string[]) => uart
    ? simulateStreamBoard(design, files, top, expected, uart.clocksPerBit, 2, log)
    : simulateStream(design, files, top, expected, log);
  const checks = [simulate('verilog', sources)];
  if (postSynth) {
    log?.(`yosys: synthesizing ${top} (ice40) for post-synthesis simulation`);
    const both = join(mkdtempSync(join(tmpdir(), 'lgnc-stream-synth-')), `${top}.all.v`);
    writeFileSync(both, sources.map((f) => readFileSync(f, 'utf8')).join('\n'));
    const synth = await synthesizeForSimulation(both, top, 'ice40');
    rmSync(dirname(both), { recursive: true, force: true });
    checks.push(simulate('post-synth ice40', synth.sources));
  }
  return checks;
}

/**
 * Compiles MODEL into a fresh temporary build folder and verifies it (for `lgnc verify MODEL`
 * without --build); the folder is removed afterwards.
 */
export async function compileAndVerify(model: string, o: Omit<VerifyOptions, 'build' | 'model'> & { pipeline?: number | null }): Promise<VerifyReport> {
  const temp = makeTempFolder(tmpdir(), 'lgnc-verify-');
  const dir = temp.path;
  try {
    compileToDir(resolve(model), dir, { top: o.top, pipeline: o.pipeline ?? null });
    const report = await verifyBuild({ ...o, build: dir, model: resolve(model) });
    return { ...report, buildDir: '(temporary)', model };
  } finally {
    temp.remove();
  }
}
