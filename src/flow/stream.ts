// The streaming self-test shell (templates/shell_stream.v) and its software twin.
// streamShell writes the Verilog: a rule-30 cellular automaton makes one input vector per
// clock, the core (combinational or pipelined) computes, and a MISR folds every result into a
// signature. expectedStream computes what that hardware must end with — the same automaton,
// the reference evaluator on every vector, the same MISR — so a Verilator run, a
// post-synthesis run or a real board can be checked bit for bit.
// streamUartTop wraps the shell for a board (hw/stream_uart_top.v): the byte 'S' over the
// UART starts a run and the board answers the signature and the cycle count as one hex line
// (selfTestAnswer); simulateStreamBoard plays that host under Verilator.
// Guarantees: the same core, count and seed give the same Verilog and the same expectation.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CoreInterface } from '../emit/build.js';
import { allocSlices, evaluateNetlist } from '../netlist/evaluate.js';
import type { AnyNetlist } from '../netlist/netlist.js';
import { mulberry32 } from '../netlist/vectors.js';
import { UserError } from '../util/errors.js';
import { clocksPerBit, fillTemplate, readAsset, type UartOptions } from './shell.js';
import { requireVerilator } from './verilator.js';

export const DEFAULT_STREAM_COUNT = 2 ** 20;
export const MAX_STREAM_COUNT = 2 ** 31;
export const MISR_WIDTH = 64;
/** x^64 + x^63 + x^61 + x^60 + 1: the MISR's feedback taps (bits 63, 61, 60, 0). */
export const MISR_POLY = (1n << 63n) | (1n << 61n) | (1n << 60n) | 1n;

export interface StreamOptions {
  /** Vectors to run (default 2^20). */
  count: number;
  /** Seed of the source's initial state. */
  seed: number;
}

export interface StreamPlan {
  cells: number;
  /** Initial automaton state, cell i = bit i. */
  seedBits: Uint8Array;
  /** The input bits the core reads, in cell order (cell i drives input read[i]). */
  read: number[];
  count: number;
  resultBits: number;
}

export function checkStreamCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_STREAM_COUNT) {
    throw new UserError(`--stream-count ${count}: must be a whole number of vectors, 1..${MAX_STREAM_COUNT} (2^31; the cycle counter has 32 bits)`);
  }
}

export function streamPlan(core: CoreInterface, o: StreamOptions): StreamPlan {
  checkStreamCount(o.count);
  const unread = new Set(core.unreadInputs ?? []);
  const read: number[] = [];
  for (let i = 0; i < core.inputs; i++) if (!unread.has(i)) read.push(i);
  const cells = Math.max(8, read.length);
  const rand = mulberry32(o.seed * 2654435761 + 12345);
  const seedBits = new Uint8Array(cells);
  for (let i = 0; i < cells; i++) seedBits[i] = rand() < 0.5 ? 1 : 0;
  seedBits[0] = 1; // never the all-zero state (a fixed point of the automaton)
  return { cells, seedBits, read, count: o.count, resultBits: core.classes * core.scoreWidth + core.classWidth };
}

const hex = (bits: Uint8Array | number[], n: number): string => {
  let s = '';
  for (let d = Math.ceil(n / 4) - 1; d >= 0; d--) {
    let v = 0;
    for (let b = 3; b >= 0; b--) v = (v << 1) | (bits[d * 4 + b] ?? 0);
    s += v.toString(16);
  }
  return s;
};

export function streamShellName(core: CoreInterface): string {
  return `${core.top}_stream`;
}

/** Pins of the stream shell: clk, start, done, the signature and the cycle count. */
export function streamShellPins(): number {
  return 3 + MISR_WIDTH + 32;
}

export function streamShell(core: CoreInterface, o: StreamOptions): { name: string; verilog: string; plan: StreamPlan } {
  const plan = streamPlan(core, o);
  const name = streamShellName(core);
  const xBits: string[] = new Array<string>(core.inputs).fill("1'b0");
  // A pipelined core samples the automaton's next state, so its input bank is the cells.
  const src = core.pipelined ? 'cells_d' : 'cells';
  plan.read.forEach((bit, i) => { xBits[bit] = `${src}[${i}]`; });
  const fold: string[] = [];
  for (let i = 0; i < MISR_WIDTH; i++) {
    const terms: string[] = [];
    for (let k = i; k < plan.resultBits; k += MISR_WIDTH) terms.push(`r[${k}]`);
    fold.push(terms.length ? terms.join(' ^ ') : "1'b0");
  }
  const ports = core.pipelined
    ? `.clk(clk), .in_valid(sending_d), .x(x), .out_valid(core_valid), .scores(core_scores), .class_id(core_class)`
    : `.x(x), .scores(core_scores), .class_id(core_class)`;
  const instance = `  ${core.top} core (${ports});\n` + (core.pipelined ? '' : '  assign core_valid = sending;  // combinational core: the result is ready with the vector\n');
  const polyBits = Array.from({ length: MISR_WIDTH }, (_, i) => Number((MISR_POLY >> BigInt(i)) & 1n));
  const verilog = fillTemplate(readAsset('templates/shell_stream.v'), {
    SHELL: name,
    CORE: core.top,
    CELLS: plan.cells,
    CELLS_TOP: plan.cells - 1,
    SEED_HEX: hex(plan.seedBits, plan.cells),
    MISR_WIDTH,
    MISR_TOP: MISR_WIDTH - 1,
    TAPS: '64, 63, 61, 60',
    POLY_HEX: hex(polyBits, MISR_WIDTH),
    RESULT_BITS: plan.resultBits,
    COUNT: plan.count,
    DONE_AT: plan.count + core.latency,
    INPUTS: core.inputs,
    X_BITS: `{${xBits.slice().reverse().join(', ')}}`,
    SCORES_WIDTH: core.classes * core.scoreWidth,
    CLASS_WIDTH: core.classWidth,
    CORE_INSTANCE: instance,
    FOLD: `{${fold.slice().reverse().join(', ')}}`,
  }, 'templates/shell_stream.v');
  return { name, verilog, plan };
}

export interface StreamExpectation {
  count: number;
  seed: number;
  /** The MISR after the last result, as 16 hex digits (bit 63 first). */
  signature: string;
  /** Rising edges from the first vector to `done`. */
  cycles: number;
}

/** Edges from the one that loads the first vector to done, both counted: count + latency + 1 (latency 0 for a combinational core). */
export function streamCycles(core: CoreInterface, count: number): number {
  return count + core.latency + 1;
}

/** What the stream shell must end with: the automaton's vectors through the reference evaluator, folded by the MISR. */
export function expectedStream(net: AnyNetlist, core: CoreInterface, o: StreamOptions): StreamExpectation {
  const plan = streamPlan(core, o);
  const C = plan.cells, K = core.classes, W = core.scoreWidth, CW = core.classWidth;
  let cells = plan.seedBits.slice();
  let next = new Uint8Array(C);
  let misr = 0n;
  const mask = (1n << BigInt(MISR_WIDTH)) - 1n;
  const CHUNK = 1 << 14;
  for (let start = 0; start < plan.count; start += CHUNK) {
    const n = Math.min(CHUNK, plan.count - start);
    const x = allocSlices(core.inputs, n);
    for (let t = 0; t < n; t++) {
      const w = t >>> 5, m = 1 << (t & 31);
      for (let i = 0; i < plan.read.length; i++) if (cells[i]) x.data[plan.read[i] * x.words + w] |= m;
      for (let i = 0; i < C; i++) next[i] = cells[(i + C - 1) % C] ^ (cells[i] | cells[(i + 1) % C]);
      [cells, next] = [next, cells];
    }
    const ev = evaluateNetlist(net, x);
    for (let t = 0; t < n; t++) {
      // r = {scores, class_id}: class_id in bits 0..CW-1, class c's score at CW + c*W.
      let r = BigInt(ev.predictions[t]);
      for (let c = 0; c < K; c++) r |= BigInt(ev.scores[t * K + c]) << BigInt(CW + c * W);
      let folded = 0n;
      for (let k = 0; k < plan.resultBits; k += MISR_WIDTH) folded ^= (r >> BigInt(k)) & mask;
      const top = (misr >> BigInt(MISR_WIDTH - 1)) & 1n;
      misr = (((misr << 1n) & mask) ^ (top ? MISR_POLY : 0n) ^ folded) & mask;
    }
  }
  return { count: plan.count, seed: o.seed, signature: misr.toString(16).padStart(MISR_WIDTH / 4, '0'), cycles: streamCycles(core, plan.count) };
}

/** The stream expectation file synth writes next to the shell (`<core>_stream.json`). */
export interface StreamFile extends StreamExpectation {
  format: 'lgnc-stream';
  version: 1;
  top: string;
  core: string;
  /** A board build: the UART board top around the shell (hw/stream_uart_top.v). */
  uart?: { top: string; board: string; clockHz: number; baud: number; clocksPerBit: number };
}

/** The self-test command byte of the stream board top. */
export const SELF_TEST_COMMAND = 'S';
/** Bytes of the board's answer line: 16 hex digits, a space, 8 hex digits, CR LF. */
export const SELF_TEST_ANSWER_BYTES = 27;

export function streamUartTopName(core: CoreInterface): string {
  return `${streamShellName(core)}_uart`;
}

/** The line the stream board top answers the self-test command with (without its CR LF). */
export function selfTestAnswer(e: StreamExpectation): string {
  return `${e.signature} ${e.cycles.toString(16).padStart(8, '0')}`;
}

/** What a user needs to run the self-test on a real board: the command, the expected answer and a shell line that compares them. */
export interface SelfTest {
  command: string;
  /** The expected answer line, without its CR LF. */
  answer: string;
  answerBytes: number;
  format: string;
  /** A shell command (Linux, the board's UART on /dev/ttyUSB1) that prints PASS or FAIL. */
  check: string;
  /** One run at the board clock, in seconds. */
  runSeconds: number;
}

export function selfTest(e: StreamExpectation, o: UartOptions, device = '/dev/ttyUSB1'): SelfTest {
  const answer = selfTestAnswer(e);
  const check = `(stty -F ${device} ${o.baud} raw -echo && exec 3<>${device} && printf ${SELF_TEST_COMMAND} >&3 && timeout 10 head -c ${SELF_TEST_ANSWER_BYTES} <&3) | tr -d '\\r\\n' | grep -qx '${answer}' && echo PASS || echo FAIL`;
  return {
    command: SELF_TEST_COMMAND,
    answer,
    answerBytes: SELF_TEST_ANSWER_BYTES,
    format: `send the byte '${SELF_TEST_COMMAND}' (0x53) at ${o.baud} baud 8N1; the board answers one ASCII line: the 64-bit signature as 16 hex digits (bit 63 first), a space, the cycle count as 8 hex digits, CR LF`,
    check,
    runSeconds: e.cycles / o.clockHz,
  };
}

/**
 * The stream board top `<core>_stream_uart` (ports clk, uart_rx, uart_tx) and the files it
 * needs: the stream shell and the UART modules. On 'S' it runs the shell and answers the
 * signature and the cycle count as one ASCII line.
 */
export function streamUartTop(core: CoreInterface, o: StreamOptions & UartOptions): { name: string; files: Record<string, string>; shell: { name: string; verilog: string; plan: StreamPlan } } {
  const shell = streamShell(core, o);
  const name = streamUartTopName(core);
  const top = fillTemplate(readAsset('hw/stream_uart_top.v'), {
    TOP: name,
    SHELL: shell.name,
    CORE: core.top,
    COUNT: o.count,
    ANSWER_BYTES: SELF_TEST_ANSWER_BYTES,
    LAST_CHAR: SELF_TEST_ANSWER_BYTES - 1,
    CLKS_PER_BIT: clocksPerBit(o),
    BAUD: o.baud,
    CLOCK_HZ: o.clockHz,
  }, 'hw/stream_uart_top.v');
  return { name, shell, files: { [`${shell.name}.v`]: shell.verilog, 'lgnc_uart.v': readAsset('hw/uart.v'), [`${name}.v`]: top } };
}

export interface StreamCheck {
  design: string;
  expected: StreamExpectation;
  signature: string;
  cycles: number;
  done: boolean;
  ok: boolean;
  simSeconds: number;
  buildSeconds: number;
  /** A board top: the self-test answers read back over its UART (one per command sent) and the line expected. */
  uart?: { top: string; answers: string[]; expected: string };
}

/** Builds a Verilator testbench `tb` (prefix `prefix`) for `top` in a fresh folder and runs it with `args`. */
function buildAndRun(what: string, tbTemplate: string, prefix: string, sources: string[], top: string, args: string[], log?: (line: string) => void): { stdout: string; buildSeconds: number; simSeconds: number } {
  requireVerilator();
  const dir = mkdtempSync(join(tmpdir(), 'lgnc-stream-'));
  try {
    const tb = join(dir, 'tb.cpp');
    writeFileSync(tb, readAsset(tbTemplate));
    writeFileSync(join(dir, 'uart_host.h'), readAsset('templates/uart_host.h')); // the board testbench's UART host
    log?.(`verilator: building the ${what} simulator of ${top}`);
    const t0 = performance.now();
    const build = spawnSync('verilator', ['--cc', '--exe', '--build', '-fno-dfg', '-fno-gate', '-O1', '-Wno-fatal', '-Wno-lint', '-Wno-style', '-Wno-TIMESCALEMOD', '-Wno-MULTIDRIVEN',
      '-j', '2', '--prefix', prefix, '--top-module', top, '-Mdir', join(dir, 'obj'), '-o', join(dir, 'tb'), tb, ...sources], { encoding: 'utf8', maxBuffer: 256 << 20 });
    if (build.status !== 0) throw new UserError(`verilator could not build the ${what} ${top}:\n${(build.stderr ?? '').split('\n').slice(-15).join('\n')}`);
    const buildSeconds = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    const run = spawnSync(join(dir, 'tb'), args, { encoding: 'utf8', maxBuffer: 16 << 20 });
    if (run.status !== 0) throw new UserError(`the ${what} simulation of ${top} failed: ${run.stderr}`);
    return { stdout: run.stdout, buildSeconds, simSeconds: (performance.now() - t1) / 1000 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs the stream shell (Verilog `sources`, top `top`) under Verilator from power-up until
 * done and compares its signature and cycle count with `expected`.
 */
export function simulateStream(design: string, sources: string[], top: string, expected: StreamExpectation, log?: (line: string) => void): StreamCheck {
  const r = buildAndRun(`stream shell (${design})`, 'templates/stream_tb.cpp', 'Vstream', sources, top, [String(expected.cycles + 64)], log);
  const [signature, cycles, , done] = r.stdout.trim().split(/\s+/);
  const check = { design, expected, signature, cycles: Number(cycles), done: done === '1', ok: false, simSeconds: r.simSeconds, buildSeconds: r.buildSeconds };
  check.ok = check.done && check.signature === expected.signature && check.cycles === expected.cycles;
  return check;
}

/**
 * Runs the stream board top (hw/stream_uart_top.v) under Verilator the way a host uses a real
 * board: sends the self-test command over uart_rx `runs` times (the first while the power-up
 * run is going, the others after it, so the board starts the run again) and decodes each
 * answer line on uart_tx. Every answer must be the expected line.
 */
export function simulateStreamBoard(design: string, sources: string[], top: string, expected: StreamExpectation, clocksPerBit: number, runs = 2, log?: (line: string) => void): StreamCheck {
  // Each run: the command frame, the run itself, the answer frames, a little idle line.
  const maxEdges = runs * (expected.cycles + 64 + (SELF_TEST_ANSWER_BYTES + 4) * 10 * clocksPerBit) + 8 * clocksPerBit;
  const r = buildAndRun(`stream board top (${design})`, 'templates/stream_uart_tb.cpp', 'Vboard', sources, top, [String(maxEdges), String(clocksPerBit), String(runs)], log);
  const answers = r.stdout.split('\n').filter((l) => l.length > 0);
  const want = selfTestAnswer(expected);
  const last = (answers[answers.length - 1] ?? '').split(' ');
  const check: StreamCheck = {
    design, expected, signature: last[0] ?? '', cycles: last[1] !== undefined ? parseInt(last[1], 16) : NaN, done: answers.length === runs,
    ok: false, simSeconds: r.simSeconds, buildSeconds: r.buildSeconds, uart: { top, answers, expected: want },
  };
  check.ok = check.done && answers.every((a) => a === want);
  return check;
}
