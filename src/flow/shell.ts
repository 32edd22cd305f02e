// Shells: Verilog wrappers that put an lgnc core on a real chip, generated from
// `templates/` and `hw/` by plain `{{NAME}}` substitution (every placeholder must be given,
// every given value must be used — a typo fails loudly instead of emitting broken Verilog).
// - serial shell (templates/shell_serial.v): inputs arrive B bits per clock, outputs
//   registered; also the heart of the board tops.
// - UART board top (hw/uart_top.v + hw/uart.v): bytes in over UART, class byte back.
// Also computes the shell's cycle counts (latency, initiation interval), the figures the
// synthesis report turns into inferences per second.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CoreInterface } from '../emit/build.js';
import { UserError } from '../util/errors.js';

export type { CoreInterface } from '../emit/build.js';

export interface SerialShellOptions {
  /** Input bits per clock (B). */
  width: number;
  /** Also register and output all class scores (costs K*W pins). */
  scores: boolean;
}

export interface ShellTiming {
  /** Clock cycles to shift one input vector in: ceil(N / B). */
  beats: number;
  /** The core's own latency in edges (0 for a combinational core). */
  coreLatency: number;
  /**
   * Edges from the one that samples the first beat to the one that raises `done`
   * (counting that last one): beats, plus for a pipelined core one edge to present the
   * vector and its latency.
   */
  latencyCycles: number;
  /** Cycles between results when beats arrive back to back = beats (1 once B ≥ N). */
  initiationInterval: number;
}

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function readAsset(rel: string): string {
  return readFileSync(ROOT + rel, 'utf8');
}

/** Replaces `{{NAME}}` placeholders; throws on a missing or an unused value. */
export function fillTemplate(text: string, values: Record<string, string | number>, source: string): string {
  const used = new Set<string>();
  const out = text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`${source}: no value for placeholder {{${name}}}`);
    used.add(name);
    return String(values[name]);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length) throw new Error(`${source}: values not used by the template: ${unused.join(', ')}`);
  return out;
}

export function bitsFor(n: number): number {
  return Math.max(1, Math.ceil(Math.log2(n + 1)));
}

export function serialTiming(core: CoreInterface, width: number): ShellTiming {
  const beats = Math.ceil(core.inputs / width);
  const extra = core.pipelined ? core.latency + 1 : 0;
  return { beats, coreLatency: core.latency, latencyCycles: beats + extra, initiationInterval: beats };
}

/** Pins the serial shell uses: clk, din, din_valid, start, class_out, done (+ scores_out). */
export function serialShellPins(core: CoreInterface, o: SerialShellOptions): number {
  return 1 + o.width + 2 + core.classWidth + 1 + (o.scores ? core.classes * core.scoreWidth : 0);
}

/** Pins of the bare core: x, scores, class_id (+ clk, in_valid, out_valid when pipelined). */
export function coreOnlyPins(core: CoreInterface): number {
  return core.inputs + core.classes * core.scoreWidth + core.classWidth + (core.pipelined ? 3 : 0);
}

export function serialShellName(core: CoreInterface): string {
  return `${core.top}_serial`;
}

/** The serial shell's Verilog. */
export function serialShell(core: CoreInterface, o: SerialShellOptions): { name: string; verilog: string } {
  if (!Number.isInteger(o.width) || o.width < 1 || o.width > 256) {
    throw new UserError(`--shell-width ${o.width}: must be a whole number of bits per clock, 1..256.`);
  }
  const name = serialShellName(core);
  const t = serialTiming(core, o.width);
  const sw = core.classes * core.scoreWidth;
  const ports = core.pipelined
    ? `.clk(clk), .in_valid(full), .x(x), .out_valid(core_valid), .scores(core_scores), .class_id(core_class)`
    : `.x(x), .scores(core_scores), .class_id(core_class)`;
  const regs = inputRegisters(core, o.width);
  const grid = beatGrid(t.beats);
  const instance = `  ${core.top} core (${ports});\n` + (core.pipelined ? '' : '  assign core_valid = full;  // combinational core: result ready with the vector\n');
  const verilog = fillTemplate(readAsset('templates/shell_serial.v'), {
    SHELL: name,
    CORE: core.top,
    INPUTS: core.inputs,
    WIDTH: o.width,
    BEATS: t.beats,
    ROWS: grid.rows,
    COLS: grid.cols,
    LAST_ROW: Math.floor((t.beats - 1) / grid.cols),
    LAST_COL: (t.beats - 1) % grid.cols,
    ROW_NEXT: grid.rows === 1 ? 'row_now' : `{row_now[${grid.rows - 2}:0], row_now[${grid.rows - 1}]}`,
    COL_NEXT: grid.cols === 1 ? 'col_now' : `{col_now[${grid.cols - 2}:0], 1'b0}`,
    CORE_LATENCY: core.latency,
    CLASS_WIDTH: core.classWidth,
    SCORES_WIDTH: sw,
    INPUT_REGS: regs.verilog,
    X_BITS: regs.x,
    SCORES_PORT: o.scores ? `  output reg  [${sw}-1:0] scores_out = ${sw}'d0,\n` : '',
    SCORES_REG: o.scores ? '      scores_out <= core_scores;\n' : '',
    CORE_INSTANCE: instance,
  }, 'templates/shell_serial.v');
  return { name, verilog };
}

/** The beat grid of the serial shell: beat k at row k / cols, column k % cols (rows + cols small). */
export function beatGrid(beats: number): { rows: number; cols: number } {
  const cols = Math.ceil(Math.sqrt(beats));
  return { rows: Math.ceil(beats / cols), cols };
}

/**
 * The serial shell's input registers (Verilog) and the expression of the core's x: one
 * flip-flop per input bit the core reads, loaded when its beat's row and column are current.
 */
function inputRegisters(core: CoreInterface, width: number): { verilog: string; x: string } {
  const unread = new Set(core.unreadInputs ?? []);
  const { cols } = beatGrid(Math.ceil(core.inputs / width));
  const lines: string[] = [];
  const xBits: string[] = new Array<string>(core.inputs).fill("1'b0");
  // Column j's registers share the clock enable ld[j]; the row selects in the LUT.
  const byCol: string[][] = Array.from({ length: cols }, () => []);
  for (let bit = 0; bit < core.inputs; bit++) {
    if (unread.has(bit)) continue;
    const k = Math.floor(bit / width), l = bit % width;
    const r = `in_${bit}`;
    lines.push(`  reg ${r} = 1'b0;`);
    byCol[k % cols].push(`    ${r} <= ${r} ^ (row_now[${Math.floor(k / cols)}] & (din[${l}] ^ ${r}));`);
    xBits[bit] = r;
  }
  byCol.forEach((regs, j) => { if (regs.length) lines.push(`  always @(posedge clk) if (ld[${j}]) begin`, ...regs, '  end'); });
  return { verilog: lines.join('\n'), x: `{${xBits.slice().reverse().join(', ')}}` };
}

export interface UartOptions {
  clockHz: number;
  baud: number;
}

export function clocksPerBit(o: UartOptions): number {
  return Math.round(o.clockHz / o.baud);
}

/**
 * The UART board top `<core>_uart` (ports clk, uart_rx, uart_tx) and the files it needs:
 * the serial shell with 8-bit beats (a beat is a received byte) and the UART modules.
 */
export function uartTop(core: CoreInterface, o: UartOptions): { name: string; files: Record<string, string> } {
  if (core.classWidth > 8) throw new UserError(`the UART board top sends the class as one byte; ${core.classes} classes need ${core.classWidth} bits.`);
  const shell = serialShell(core, { width: 8, scores: false });
  const name = `${core.top}_uart`;
  const top = fillTemplate(readAsset('hw/uart_top.v'), {
    TOP: name,
    SHELL: shell.name,
    CORE: core.top,
    INPUTS: core.inputs,
    BYTES: Math.ceil(core.inputs / 8),
    CLASS_WIDTH: core.classWidth,
    CLKS_PER_BIT: clocksPerBit(o),
    BAUD: o.baud,
    CLOCK_HZ: o.clockHz,
  }, 'hw/uart_top.v');
  return { name, files: { [`${shell.name}.v`]: shell.verilog, 'lgnc_uart.v': readAsset('hw/uart.v'), [`${name}.v`]: top } };
}
