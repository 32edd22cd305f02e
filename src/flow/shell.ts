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
  /**
   * Block RAMs the shell may use as input buffer (16 input bits each; default 0: flip-flops
   * only). Each bit kept in a block RAM instead of a flip-flop saves a logic cell; the vector
   * is read out once complete, so a result takes one cycle more.
   */
  brams?: number;
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

export function serialTiming(core: CoreInterface, width: number, brams = 0): ShellTiming {
  const beats = Math.ceil(core.inputs / width);
  const extra = (core.pipelined ? core.latency + 1 : 0) + (bufferBrams(core, width, brams) > 0 ? 1 : 0);
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
  const t = serialTiming(core, o.width, o.brams);
  const sw = core.classes * core.scoreWidth;
  const ports = core.pipelined
    ? `.clk(clk), .in_valid(ready), .x(x), .out_valid(core_valid), .scores(core_scores), .class_id(core_class)`
    : `.x(x), .scores(core_scores), .class_id(core_class)`;
  const regs = inputRegisters(core, name, o.width, o.brams ?? 0);
  const grid = beatGrid(t.beats);
  const instance = `  ${core.top} core (${ports});\n` + (core.pipelined ? '' : '  assign core_valid = ready;  // combinational core: result ready with the vector\n');
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
  }, 'templates/shell_serial.v') + regs.modules;
  return { name, verilog };
}

/** The beat grid of the serial shell: beat k at row k / cols, column k % cols (rows + cols small). */
export function beatGrid(beats: number): { rows: number; cols: number } {
  const cols = Math.ceil(Math.sqrt(beats));
  return { rows: Math.ceil(beats / cols), cols };
}

/** Input bits the core reads, in beat order (the order the buffer fills them). */
function readBits(core: CoreInterface): number[] {
  const unread = new Set(core.unreadInputs ?? []);
  const bits: number[] = [];
  for (let i = 0; i < core.inputs; i++) if (!unread.has(i)) bits.push(i);
  return bits;
}

/**
 * `--bram-buffer auto`: keep the input vector in block RAMs unless the core fills about half
 * the device. The RAMs sit in two columns, and on a full chip their hundreds of outputs, each
 * read across the whole network, congest routing: an 8,000-gate MNIST core (lut4Estimate 3,817
 * on an HX8K) routed in 62 s with flip-flops and was still routing after 25 min from block
 * RAMs, while the default 5,600-gate core (3,136) routes from them in under a minute. The
 * flip-flops cost a logic cell per read bit, so they are taken only where they fit.
 */
export function autoBramBuffer(core: CoreInterface, lut4Estimate: number, deviceCells: number): { on: boolean; why: string } {
  const share = lut4Estimate / deviceCells;
  const pct = `${Math.round(share * 100)} %`;
  if (share <= AUTO_BRAM_MAX_SHARE) return { on: true, why: `the core is about ${pct} of the device` };
  if (lut4Estimate + readBits(core).length > 0.9 * deviceCells) return { on: true, why: `the core is about ${pct} of the device, too full for a flip-flop per input bit` };
  return { on: false, why: `the core is about ${pct} of the device: block RAM outputs would congest routing` };
}
/** Above this share of the device's logic cells (the core's LUT estimate), auto keeps the vector in flip-flops. */
export const AUTO_BRAM_MAX_SHARE = 0.45;

/** Block RAMs the input buffer uses: none for a vector of a few words, else as many as it fills (at most `brams`). */
export function bufferBrams(core: CoreInterface, width: number, brams: number): number {
  const n = readBits(core).length;
  // A block RAM buys 16 flip-flops for one beat-select LUT per beat it spans: worth it once
  // the vector is longer than a beat or two.
  if (!(brams > 0) || n <= 2 * width) return 0;
  return Math.min(brams, Math.ceil(n / 16));
}

/**
 * The serial shell's input buffer (Verilog) and the expression of the core's x. The read bits
 * of the earliest beats go into block RAMs, 16 a RAM, each written through its bit mask as its
 * beat arrives and read out into the RAM's output register once the vector is complete (the
 * next vector's first beats then overwrite the RAM, not the copy the core reads). The rest (late
 * beats, which the next vector reaches only after the result is taken) get one flip-flop each,
 * loaded when their beat's row and column are current.
 */
function inputRegisters(core: CoreInterface, name: string, width: number, brams: number): { verilog: string; x: string; modules: string } {
  let unusedRam = false;
  const { cols } = beatGrid(Math.ceil(core.inputs / width));
  const bits = readBits(core);
  const nb = bufferBrams(core, width, brams);
  const inRam = bits.slice(0, nb * 16), inFf = bits.slice(nb * 16);
  const lines: string[] = [];
  const xBits: string[] = new Array<string>(core.inputs).fill("1'b0");
  const beatOf = (bit: number) => Math.floor(bit / width);
  const sel = (k: number) => `row_now[${Math.floor(k / cols)}] & col_now[${k % cols}]`;
  if (nb > 0) {
    lines.push(`  // ${inRam.length} input bits in ${nb} block RAM${nb > 1 ? 's' : ''} (16 each), read out when the vector is complete.`);
    lines.push("  reg ready = 1'b0;", '  always @(posedge clk) ready <= full;');
    const beats = [...new Set(inRam.map(beatOf))];
    for (const k of beats) lines.push(`  wire beat_${k} = ${sel(k)};`);
    for (let r = 0; r < nb; r++) {
      const part = inRam.slice(r * 16, (r + 1) * 16);
      const pad = (v: string[]) => `{${[...Array<string>(16 - part.length).fill("1'b1"), ...v.slice().reverse()].join(', ')}}`;
      const mask = pad(part.map((bit) => `~beat_${beatOf(bit)}`));
      const data = `{${[...Array<string>(16 - part.length).fill("1'b0"), ...part.map((bit) => `din[${bit % width}]`).reverse()].join(', ')}}`;
      lines.push(`  wire [15:0] vq_${r};`);
      lines.push(`  ${name}_vbuf vbuf_${r} (.clk(clk), .we(din_valid), .mask(${mask}), .wdata(${data}), .re(full), .rdata(vq_${r}));`);
      part.forEach((bit, j) => { xBits[bit] = `vq_${r}[${j}]`; });
      // Unused RAM bits (the last RAM may be partly filled).
      if (part.length < 16) unusedRam = true;
    }
  } else {
    lines.push('  wire ready = full;');
  }
  // Column j's registers share the clock enable ld[j]; the row selects in the LUT.
  const byCol: string[][] = Array.from({ length: cols }, () => []);
  for (const bit of inFf) {
    const k = beatOf(bit), l = bit % width;
    const r = `in_${bit}`;
    lines.push(`  reg ${r} = 1'b0;`);
    byCol[k % cols].push(`    ${r} <= ${r} ^ (row_now[${Math.floor(k / cols)}] & (din[${l}] ^ ${r}));`);
    xBits[bit] = r;
  }
  byCol.forEach((regs, j) => { if (regs.length) lines.push(`  always @(posedge clk) if (ld[${j}]) begin`, ...regs, '  end'); });
  const modules = nb > 0 ? vbufModule(name, unusedRam) : '';
  return { verilog: lines.join('\n'), x: `{${xBits.slice().reverse().join(', ')}}`, modules };
}

/**
 * One 16-bit word of an iCE40 block RAM (SB_RAM40_4K, 256 x 16, address 0): written through
 * its bit mask (1 = keep), read into its output register when re. For simulation the same
 * behaviour in plain Verilog (Yosys defines SYNTHESIS; Verilator does not).
 */
function vbufModule(name: string, unused: boolean): string {
  return [
    '',
    `module ${name}_vbuf (`,
    '  input  wire        clk,',
    '  input  wire        we,',
    '  input  wire [15:0] mask,',
    ...(unused ? ['  /* verilator lint_off UNUSEDSIGNAL */'] : []),
    '  input  wire [15:0] wdata,',
    ...(unused ? ['  /* verilator lint_on UNUSEDSIGNAL */'] : []),
    '  input  wire        re,',
    '  output wire [15:0] rdata',
    ');',
    '`ifdef SYNTHESIS',
    "  SB_RAM40_4K #(.READ_MODE(0), .WRITE_MODE(0)) ram (.RDATA(rdata), .RCLK(clk), .RCLKE(1'b1), .RE(re), .RADDR(11'd0),",
    "    .WCLK(clk), .WCLKE(1'b1), .WE(we), .WADDR(11'd0), .MASK(mask), .WDATA(wdata));",
    '`else',
    "  reg [15:0] word = 16'd0;",
    "  reg [15:0] q = 16'd0;",
    '  always @(posedge clk) begin',
    '    if (we) word <= (word & mask) | (wdata & ~mask);',
    '    if (re) q <= word;',
    '  end',
    '  assign rdata = q;',
    '`endif',
    'endmodule',
    '',
  ].join('\n');
}

export interface UartOptions {
  clockHz: number;
  baud: number;
  /** Block RAMs for the input buffer (as for the serial shell). */
  brams?: number;
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
  const shell = serialShell(core, { width: 8, scores: false, brams: o.brams });
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
