// The Verilator runner: builds a simulator of an lgnc core (the core's Verilog plus the C++
// harness of templates/harness.cpp) and runs input vectors through it.
// Guarantees:
// - always built with `-fno-dfg -fno-gate`: Verilator 5.006's DFG optimizer miscompiles gate
//   networks (DESIGN.md, "Facts about the tools"), and so does its gate-wire inlining (V3Gate):
//   on a random 10-class netlist's gate-level core it got 1,114 of 3,000 vectors wrong where
//   Yosys `eval`, Verilator -O0 and the reference evaluator agree (test/flow/verilator-gate.test.ts);
// - registers without an initializer start random (+verilator+rand+reset+2), so a core
//   that relies on Verilator's zero default, not its own `reg r = 1'b0`, fails verification;
// - build products are cached by a hash of everything that goes into them (sources, harness,
//   flags, Verilator version) under <cache>/verilator/<hash>/, so a second run is fast; a
//   build is made in a temporary folder and renamed into place, never half-written;
// - a missing verilator (or C++ compiler, or make) is a UserError with the install command.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import type { CoreInterface } from '../emit/build.js';
import { UserError } from '../util/errors.js';
import { LIMITS } from '../netlist/limits.js';
import { makeTempFolder, readFileOrFail } from '../util/files.js';

export interface Simulator {
  exe: string;
  dir: string;
  hash: string;
  shape: CoreInterface;
  opt: SimOpt;
  /** True when the build came from the cache. */
  cached: boolean;
  buildSeconds: number;
}

export interface SimOutput {
  count: number;
  /** count × classes, sample-major, in input order. */
  scores: Int32Array;
  classes: Int32Array;
  /** Rising edges from the sampling edge to the result, per vector (0 when combinational). */
  latency: Int32Array;
  /** Results that came out (fewer than count: the pipeline lost some). */
  results: number;
  cycles: number;
  /** out_valid high when no result was due, or low when one was. */
  validErrors: number;
  /** Seconds in the simulation loop only (no file I/O, no process start). */
  simSeconds: number;
}

const VERILATOR_FLAGS = [
  '--cc', '--exe', '-O2', '-fno-dfg', '-fno-gate',
  '--x-assign', 'unique', '--x-initial', 'unique',
  '-Wno-fatal', '-Wno-lint', '-Wno-style', '-Wno-TIMESCALEMOD', '-Wno-MULTIDRIVEN',
];
const RUN_FLAGS = ['+verilator+rand+reset+2', '+verilator+seed+1'];
const TEMPLATE_URL = new URL('../../templates/harness.cpp', import.meta.url);

/** Where lgnc keeps caches: $LGNC_CACHE_DIR, else <os tmpdir>/lgnc-cache (as src/data does). */
export function lgncCacheDir(): string {
  return process.env.LGNC_CACHE_DIR || join(tmpdir(), 'lgnc-cache');
}

function onPath(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

/** The Verilator version line; throws a UserError with the install hint when a tool is missing. */
export function requireVerilator(): string {
  if (!onPath('verilator')) {
    throw new UserError('verilator not found on PATH: lgnc verify simulates the Verilog with it. Install it with  sudo apt-get install verilator  (or run npm run setup as root).');
  }
  for (const [cmd, pkg] of [['make', 'make'], ['g++', 'g++']] as const) {
    if (!onPath(cmd)) throw new UserError(`${cmd} not found on PATH: Verilator needs it to build the simulator. Install it with  sudo apt-get install ${pkg}`);
  }
  const r = spawnSync('verilator', ['--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new UserError(`verilator --version failed (${r.stderr?.trim() || r.error?.message}): check the Verilator install.`);
  return r.stdout.trim();
}

/** The harness source for a core: templates/harness.cpp with the shape filled in. */
export function harnessSource(shape: CoreInterface): string {
  const fields: Record<string, string | number> = {
    TOP_CLASS: `V${shape.top}`,
    INPUTS: shape.inputs,
    CLASSES: shape.classes,
    SCORE_WIDTH: shape.scoreWidth,
    CLASS_WIDTH: shape.classWidth,
    PIPELINED: shape.pipelined ? 1 : 0,
  };
  const text = readFileSync(TEMPLATE_URL, 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (m, k: string) => {
    if (!(k in fields)) throw new Error(`templates/harness.cpp: unknown field ${m}`);
    return String(fields[k]);
  });
  return text;
}

function checkShape(s: CoreInterface): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.top)) throw new UserError(`top module name "${s.top}" is not a plain Verilog identifier.`);
  if (s.scoreWidth < 1 || s.scoreWidth > 32) throw new UserError(`score width ${s.scoreWidth} is outside 1..32: the build manifest looks wrong.`);
  if (s.classWidth < 1 || s.classWidth > 32) throw new UserError(`class width ${s.classWidth} is outside 1..32: the build manifest looks wrong.`);
}

/**
 * C++ optimization of the model code. Measured on a 6×8000-gate random network (30k gates
 * after optimization, 5 MB of generated C++, 2 cores): -O0 builds in 80 s and simulates
 * 8 k vectors/s, -O1 185 s / 18 k, -Os (Verilator's default) 258 s / 22 k. Verification
 * runs thousands of vectors, not billions: big designs build at -O0, small ones at -Os.
 */
export type SimOpt = 'O0' | 'O1' | 'Os';
export const SIM_OPTS: SimOpt[] = ['O0', 'O1', 'Os'];
const SMALL_DESIGN_BYTES = 200_000;

export interface BuildOptions {
  log?: (line: string) => void;
  /** make -j (default 2). */
  jobs?: number;
  /** Default: Os for Verilog sources under 200 kB, else O0. */
  opt?: SimOpt;
}

/**
 * Builds (or finds in the cache) the simulator of `shape.top` from the Verilog `sources`.
 * `log` receives a line when a real build starts (they take 10-60 s).
 */
export function buildSimulator(sources: string[], shape: CoreInterface, opts: BuildOptions = {}): Simulator {
  checkShape(shape);
  const version = requireVerilator();
  const harness = harnessSource(shape);
  const h = createHash('sha256');
  // The latency is a run-time argument: a wrong latency does not need another build.
  // Each source is read once, through the checked reader (a folder or a device is refused).
  const texts = sources.map((src) => readFileOrFail(src, 'Verilog file', LIMITS.fileBytes));
  const bytes = texts.reduce((n, t) => n + t.length, 0);
  const opt = opts.opt ?? (bytes <= SMALL_DESIGN_BYTES ? 'Os' : 'O0');
  h.update(JSON.stringify({ version, flags: VERILATOR_FLAGS, opt, shape: { ...shape, latency: shape.pipelined ? 'run-time' : null } }));
  h.update(harness);
  sources.forEach((src, i) => {
    h.update(`\0${basename(src)}\0`);
    h.update(texts[i]);
  });
  const hash = h.digest('hex').slice(0, 24);
  const root = join(lgncCacheDir(), 'verilator');
  const dir = join(root, hash);
  const exe = join(dir, 'sim');
  if (existsSync(exe)) return { exe, dir, hash, shape, opt, cached: true, buildSeconds: 0 };

  const t0 = performance.now();
  const temp = makeTempFolder(root, `${hash}.tmp-`, 'simulator cache folder (set LGNC_CACHE_DIR to change it)');
  const tmp = temp.path;
  try {
    // Sources are copied in, so the cached folder is self-contained and names are stable.
    const copied = sources.map((src, i) => {
      const p = join(tmp, `${String(i).padStart(2, '0')}_${basename(src)}`);
      writeFileSync(p, texts[i]);
      return p;
    });
    writeFileSync(join(tmp, 'harness.cpp'), harness);
    opts.log?.(`verilator: building the simulator of ${shape.top} (-${opt}; once, then cached in ${dir})`);
    const obj = join(tmp, 'obj');
    const args = [
      ...VERILATOR_FLAGS, '--top-module', shape.top, '--Mdir', obj, '-o', join(tmp, 'sim'),
      join(tmp, 'harness.cpp'), ...copied,
    ];
    let log = '';
    const step = (cmd: string, argv: string[]) => {
      const r = spawnSync(cmd, argv, { cwd: tmp, encoding: 'utf8', maxBuffer: 256 << 20 });
      log += `$ ${cmd} ${argv.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}`;
      return r.status === 0;
    };
    const ok = step('verilator', args) && (reuseRuntime(root, version, obj), step('make', ['-j', String(opts.jobs ?? 2), '-C', obj, '-f', `V${shape.top}.mk`, `OPT_FAST=-${opt}`]));
    writeFileSync(join(tmp, 'build.log'), log);
    if (!ok || !existsSync(join(tmp, 'sim'))) {
      const keep = join(root, `${hash}.failed`);
      rmSync(keep, { recursive: true, force: true });
      renameSync(tmp, keep);
      throw new UserError(`verilator could not build ${shape.top}:\n${tail(log, 25)}\nfull log: ${join(keep, 'build.log')}`);
    }
    saveRuntime(root, version, obj);
    // The object folder is large and not needed to run: keep only sim and the log.
    rmSync(join(tmp, 'obj'), { recursive: true, force: true });
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process finished the same build first: use theirs.
      if (!existsSync(exe)) throw new UserError(`cannot store the simulator in ${dir}: check the cache folder's permissions (or set LGNC_CACHE_DIR).`);
    }
  } finally {
    temp.remove();
  }
  return { exe, dir, hash, shape, opt, cached: false, buildSeconds: (performance.now() - t0) / 1000 };
}

// Verilator's runtime (verilated.cpp, verilated_threads.cpp) is the same for every core and
// takes most of a small build's time: the objects of the first build are kept and copied
// into later builds, newer than their sources, so make skips them.
const RUNTIME_OBJECTS = ['verilated.o', 'verilated_threads.o'];

function runtimeDir(root: string, version: string): string {
  const h = createHash('sha256').update(JSON.stringify({ version, flags: VERILATOR_FLAGS })).digest('hex').slice(0, 16);
  return join(root, `runtime-${h}`);
}

function reuseRuntime(root: string, version: string, obj: string): void {
  const from = runtimeDir(root, version);
  if (!RUNTIME_OBJECTS.every((o) => existsSync(join(from, o)))) return;
  for (const o of RUNTIME_OBJECTS) copyFileSync(join(from, o), join(obj, o));
}

function saveRuntime(root: string, version: string, obj: string): void {
  const to = runtimeDir(root, version);
  if (existsSync(to) || !RUNTIME_OBJECTS.every((o) => existsSync(join(obj, o)))) return;
  const tmp = `${to}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  for (const o of RUNTIME_OBJECTS) copyFileSync(join(obj, o), join(tmp, o));
  try {
    renameSync(tmp, to);
  } catch {
    rmSync(tmp, { recursive: true, force: true }); // another build saved it first
  }
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Runs packed vectors (ceil(N/8) bytes each, src/netlist/vectors.ts) through the simulator.
 * `gap` (pipelined only): in_valid low every gap-th cycle.
 */
export function runSimulator(sim: Simulator, packed: Uint8Array, count: number, opts: { gap?: number } = {}): SimOutput {
  const { shape } = sim;
  const per = Math.ceil(shape.inputs / 8);
  if (packed.length !== per * count) throw new RangeError(`runSimulator: ${packed.length} bytes for ${count} vectors of ${per} bytes`);
  const temp = makeTempFolder(tmpdir(), 'lgnc-sim-');
  const work = temp.path;
  try {
    const inPath = join(work, 'in.bin');
    const outPath = join(work, 'out.bin');
    writeFileSync(inPath, packed);
    const args = [inPath, outPath, '--latency', String(shape.latency), ...(opts.gap ? ['--gap', String(opts.gap)] : []), ...RUN_FLAGS];
    const r = spawnSync(sim.exe, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status !== 0) {
      throw new UserError(`the simulator of ${shape.top} failed (exit ${r.status ?? r.signal}): ${tail(`${r.stdout ?? ''}${r.stderr ?? ''}`, 10) || r.error?.message}`);
    }
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { results: number; cycles: number; seconds: number; validErrors: number };
    const buf = readFileSync(outPath);
    const rec = shape.classes + 2;
    const words = new Uint32Array(new Uint8Array(buf).buffer, 0, buf.length >>> 2); // copy: aligned
    const scores = new Int32Array(count * shape.classes);
    const classes = new Int32Array(count).fill(-1);
    const latency = new Int32Array(count).fill(-1);
    for (let s = 0; s < summary.results; s++) {
      const o = s * rec;
      for (let c = 0; c < shape.classes; c++) scores[s * shape.classes + c] = words[o + c];
      classes[s] = words[o + shape.classes];
      latency[s] = words[o + shape.classes + 1] | 0;
    }
    return { count, scores, classes, latency, results: summary.results, cycles: summary.cycles, validErrors: summary.validErrors, simSeconds: summary.seconds };
  } finally {
    temp.remove();
  }
}
