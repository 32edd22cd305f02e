// Verilog-2005 emitter for a lowered IR (scores and class id as gates). Deterministic: the
// same IR and options give the same bytes. Interface (DESIGN.md, build contract):
//   input  wire [N-1:0]   x         netlist input bit i is x[i]
//   output wire [K*W-1:0] scores    class c at [c*W +: W]
//   output wire [CW-1:0]  class_id  argmax, ties to the lowest class
// and with `pipeline: P` (P gate levels per stage, or a list of stage sizes) also clk,
// in_valid, out_valid: inputs are sampled on a rising edge into register bank 0; a gate at
// level l is computed in the stage whose levels hold l (ceil(l / P) for a uniform P) and every
// value crossing a stage boundary goes through a register; the outputs come from the last
// bank R (at least 1), so the latency is R rising edges after the sampling edge. All registers start at 0 (declaration initializers, no reset port).
// Output bits that no gate reads after bank B < R - 1 (scores finished before the argmax is)
// would take R - B registers each, one logic cell each on an iCE40 (a flip-flop fed by a
// flip-flop does not pack with a LUT): they ride from bank B to bank R in a delay line instead,
// a small memory written every clock and read R - B - 1 writes later (block RAM on an iCE40,
// `ram_style = "block"`), the same values on the same edges as the register chain.
//
// Each gate is one `wire` whose expression is derived from its truth table (gate table in
// netlist/gates.ts — no second copy of the ops here): AND/OR forms with the needed
// inversions, XOR/XNOR, a wire or a constant.

import { ByteWriter } from './bytes.js';
import {
  absorbInputInversions, classWidth, supportOf, firstGateNode, nodeLevels, REGION_NAMES, scoreWidth, type Ir, type Lit,
} from '../ir/ir.js';

export interface VerilogOptions {
  top: string;
  /** Gate levels per pipeline stage (one number: every stage; a list: stage by stage, the last repeating); null for a purely combinational module. */
  pipeline: number | number[] | null;
  /** Comment lines for the header (model, hash, version, statistics), given the latency. */
  header: (r: { latency: number; registers: number; delayLines: DelayLineStats }) => string[];
}

/** The delay lines of a pipelined core: how many, the bits they carry, the registers they replace, the iCE40 block RAMs they take. */
export interface DelayLineStats {
  lines: number;
  bits: number;
  registersSaved: number;
  brams: number;
}

/** A delay line pays when it replaces at least this many registers (it costs a block RAM and a few cells of address logic). */
export const DELAY_LINE_MIN_REGISTERS = 32;

export interface VerilogResult {
  /** The Verilog file (ASCII). */
  bytes: Uint8Array;
  /** Rising edges from sampling an input to its result at the outputs (0: combinational). */
  latency: number;
  /** Pipeline register bits, excluding the valid chain and the delay lines. */
  registers: number;
  delayLines: DelayLineStats;
}

/** Verilog expression of op applied to operands A, B (already-named signals). */
export function opExpression(op: number, A: string, B: string): string {
  const support = supportOf(op);
  if (support === 0) return op & 8 ? "1'b1" : "1'b0";
  if (support === 1) return op & 8 ? `~${A}` : A;
  if (support === 2) return op & 8 ? `~${B}` : B;
  if (op === 6) return `${A} ^ ${B}`;
  if (op === 9) return `~(${A} ^ ${B})`;
  if (op === 8) return `~(${A} | ${B})`;
  if (op === 14) return `~(${A} & ${B})`;
  const ones = ((op >> 3) & 1) + ((op >> 2) & 1) + ((op >> 1) & 1) + (op & 1);
  // Position k of the lone 1 (AND forms) or lone 0 (OR forms): inputs (A, B) = (k >> 1, k & 1).
  const lone = ones === 1 ? op : ~op & 15;
  const k = 3 - (31 - Math.clz32(lone));
  const pa = (k >> 1) & 1, pb = k & 1;
  if (ones === 1) return `${pa ? A : `~${A}`} & ${pb ? B : `~${B}`}`;
  return `${pa ? `~${A}` : A} | ${pb ? `~${B}` : B}`;
}

/** opExpression of each op as text pieces around the operands (A = -1, B = -2), built once. */
const TEMPLATES: (string | number)[][] = Array.from({ length: 16 }, (_, op) =>
  opExpression(op, '\u0000', '\u0001').split(/(\u0000|\u0001)/).filter((p) => p !== '')
    .map((p) => (p === '\u0000' ? -1 : p === '\u0001' ? -2 : p)));

/** Writes a node's name (as seen by the code being written) into w. */
type NodeWriter = (w: ByteWriter, node: number) => void;

/** Writes `  wire n<node> = <op expression>;` for gate g. */
function writeGate(w: ByteWriter, ir: Ir, g: number, node: number, name: NodeWriter): void {
  const la = ir.a[g], lb = ir.b[g];
  const op = absorbInputInversions(ir.op[g], la & 1, lb & 1);
  w.str('  wire n').num(node).str(' = ');
  for (const p of TEMPLATES[op]) {
    if (p === -1) name(w, la >>> 1);
    else if (p === -2) name(w, lb >>> 1);
    else w.str(p as string);
  }
  w.str(';\n');
}

/**
 * Which nodes the emitted text reads on the way to an output. An input the op ignores (e.g.
 * B of a NOT A gate, kept by --no-opt) is not read: the expression leaves it out.
 */
export function liveNodes(ir: Ir, sinks: Int32Array[]): Uint8Array {
  const first = firstGateNode(ir);
  const live = new Uint8Array(first + ir.gates);
  for (const s of sinks) for (let i = 0; i < s.length; i++) live[s[i] >>> 1] = 1;
  for (let g = ir.gates - 1; g >= 0; g--) {
    if (!live[first + g]) continue;
    const support = supportOf(ir.op[g]);
    if (support & 1) live[ir.a[g] >>> 1] = 1;
    if (support & 2) live[ir.b[g] >>> 1] = 1;
  }
  return live;
}

export function emitVerilog(ir: Ir, opts: VerilogOptions): VerilogResult {
  if (!ir.scores || !ir.classId) throw new Error('emitVerilog: the IR must be lowered (popcount and argmax) first');
  const N = ir.inputs, K = ir.classes, W = scoreWidth(ir.outputsPerClass), CW = classWidth(K);
  const first = firstGateNode(ir);
  const live = liveNodes(ir, [ir.scores, ir.classId]);
  let unusedInputs = 0;
  for (let i = 0; i < N; i++) if (!live[1 + i]) unusedInputs++;
  // Pipelined designs leave out gates no output reads (they would only add registers).
  let deadGates = 0;
  if (opts.pipeline === null) for (let g = 0; g < ir.gates; g++) if (!live[first + g]) deadGates++;

  const w = new ByteWriter(64 + ir.gates * 40);
  const line = (s: string) => w.str(s).str('\n');
  const pipelined = opts.pipeline !== null;
  // The header states the latency, known only after planning the body: the body goes into
  // its own writer first.
  const bw = new ByteWriter(64 + ir.gates * 40);
  const body = pipelined ? pipelinedBody(ir, opts.pipeline!, live, bw) : combinationalBody(ir, bw);

  // Control characters (a newline in a netlist name or path) would end the comment early.
  for (const h of opts.header(body)) line(h === '' ? '//' : `// ${h.replace(/[\u0000-\u001f\u007f]/g, '?')}`);
  line('');
  line('`default_nettype none');
  line('');
  line(`module ${opts.top} (`);
  if (pipelined) { line('  input  wire clk,'); line('  input  wire in_valid,'); }
  if (unusedInputs > 0) {
    // Waiver: the interface carries every netlist input, but the network may read fewer
    // (e.g. border pixels no gate uses); those bits are unused by design.
    line(`  // ${unusedInputs} of the ${N} input bits are read by no gate.`);
    line('  /* verilator lint_off UNUSEDSIGNAL */');
  }
  line(`  input  wire [${N - 1}:0] x,`);
  if (unusedInputs > 0) line('  /* verilator lint_on UNUSEDSIGNAL */');
  if (pipelined) line('  output wire out_valid,');
  line(`  output wire [${K * W - 1}:0] scores,`);
  line(`  output wire [${CW - 1}:0] class_id`);
  line(');');
  if (deadGates > 0) {
    // Waiver: only --no-opt designs keep gates no output reads (the network as trained).
    line(`  // ${deadGates} gates are read by no output (unoptimized design, kept as trained).`);
    line('  /* verilator lint_off UNUSEDSIGNAL */');
  }
  const text = bw.bytes();
  const tail = new ByteWriter(256);
  if (deadGates > 0) tail.str('  /* verilator lint_on UNUSEDSIGNAL */\n');
  tail.str('\nendmodule\n\n`default_nettype wire\n');
  const headBytes = w.bytes(), tailBytes = tail.bytes();
  const bytes = new Uint8Array(headBytes.length + text.length + tailBytes.length);
  bytes.set(headBytes, 0);
  bytes.set(text, headBytes.length);
  bytes.set(tailBytes, headBytes.length + text.length);
  return { bytes, latency: body.latency, registers: body.registers, delayLines: body.delayLines };
}

function writeLit(w: ByteWriter, lit: Lit, name: NodeWriter): void {
  if (lit >>> 1 === 0) { w.str(lit & 1 ? "1'b1" : "1'b0"); return; }
  if (lit & 1) w.str('~');
  name(w, lit >>> 1);
}

function outputAssigns(ir: Ir, w: ByteWriter, name: NodeWriter): void {
  const W = scoreWidth(ir.outputsPerClass);
  // Concatenations list the most significant bit first.
  const concat = (lits: Int32Array) => {
    if (lits.length === 1) { writeLit(w, lits[0], name); return; }
    w.str('{');
    for (let j = lits.length - 1; j >= 0; j--) {
      writeLit(w, lits[j], name);
      if (j > 0) w.str(', ');
    }
    w.str('}');
  };
  for (let c = 0; c < ir.classes; c++) {
    w.str(`  assign scores[${c * W} +: ${W}] = `);
    concat(ir.scores!.subarray(c * W, (c + 1) * W));
    w.str(`;  // class ${c}\n`);
  }
  w.str('  assign class_id = ');
  concat(ir.classId!);
  w.str(';\n');
}

const NO_DELAY_LINES: DelayLineStats = { lines: 0, bits: 0, registersSaved: 0, brams: 0 };

function combinationalBody(ir: Ir, w: ByteWriter): { latency: number; registers: number; delayLines: DelayLineStats } {
  const first = firstGateNode(ir);
  const name: NodeWriter = (w, node) => {
    if (node === 0) w.str("1'b0");
    else if (node < first) w.str('x[').num(node - 1).str(']');
    else w.str('n').num(node);
  };
  let region = -1;
  for (let g = 0; g < ir.gates; g++) {
    if (ir.region[g] !== region) {
      region = ir.region[g];
      w.str(`\n  // ${REGION_NAMES[region]}\n`);
    }
    writeGate(w, ir, g, first + g, name);
  }
  w.str('\n  // outputs\n');
  outputAssigns(ir, w, name);
  return { latency: 0, registers: 0, delayLines: NO_DELAY_LINES };
}

function pipelinedBody(ir: Ir, plan: number | number[], live: Uint8Array, w: ByteWriter): { latency: number; registers: number; delayLines: DelayLineStats } {
  const first = firstGateNode(ir);
  const levels = nodeLevels(ir);
  const nodes = first + ir.gates;
  let depth = 0;
  for (let n = first; n < nodes; n++) depth = Math.max(depth, levels[n]);
  // ends[s]: the last gate level of stage s (stage 0 is the input bank, level 0).
  const sizes = typeof plan === 'number' ? [plan] : plan;
  const ends = [0];
  for (let s = 0; ends[ends.length - 1] < depth; s++) ends.push(ends[ends.length - 1] + sizes[Math.min(s, sizes.length - 1)]);
  const stageOfLevel = new Int32Array(depth + 1);
  for (let s = 1, l = 1; l <= depth; l++) { while (ends[s] < l) s++; stageOfLevel[l] = s; }
  // Stage of each node: inputs are in bank 0 (stage 0); a gate at level l in the stage whose levels hold l.
  const stage = new Int32Array(nodes);
  for (let n = first; n < nodes; n++) stage[n] = stageOfLevel[levels[n]];
  const sinks = [ir.scores!, ir.classId!];
  let sinkStage = 0;
  for (const s of sinks) for (let i = 0; i < s.length; i++) sinkStage = Math.max(sinkStage, stage[s[i] >>> 1]);
  const R = Math.max(1, sinkStage);
  // need[n]: the last register bank node n must be held in (-1: none).
  const need = new Int32Array(nodes).fill(-1);
  for (let g = 0; g < ir.gates; g++) {
    if (!live[first + g]) continue;
    const s = stage[first + g];
    const support = supportOf(ir.op[g]);
    for (const lit of [support & 1 ? ir.a[g] : 0, support & 2 ? ir.b[g] : 0]) {
      const u = lit >>> 1;
      if (u !== 0 && stage[u] < s && need[u] < s - 1) need[u] = s - 1;
    }
  }
  // Delay lines, keyed by the bank B they start from: the outputs no gate reads after B.
  const fromBank = new Map<number, number[]>();
  for (const s of sinks) {
    for (let i = 0; i < s.length; i++) {
      const n = s[i] >>> 1;
      if (n === 0 || need[n] === R) continue;
      const b = Math.max(stage[n], need[n]);
      need[n] = R;
      if (R - b < 2) continue;
      if (!fromBank.has(b)) fromBank.set(b, []);
      fromBank.get(b)!.push(n);
    }
  }
  for (const s of sinks) for (let i = 0; i < s.length; i++) if (s[i] >>> 1 !== 0) need[s[i] >>> 1] = R;
  const lines = [...fromBank.entries()].filter(([b, ns]) => ns.length * (R - b) >= DELAY_LINE_MIN_REGISTERS).sort((p, q) => p[0] - q[0]);
  // lastReg[n]: the last bank holding a register of n (below R for nodes in a delay line).
  const lastReg = need.slice();
  for (const [b, ns] of lines) for (const n of ns) lastReg[n] = b;

  /** Register of node n in bank b: x<i>_q<b> for inputs, n<node>_q<b> for gates. */
  const reg = (w: ByteWriter, n: number, b: number) => {
    if (n < first) w.str('x').num(n - 1);
    else w.str('n').num(n);
    w.str('_q').num(b);
  };
  /** The value of node n in bank b's input: the wire or input port itself, or bank b − 1. */
  const source = (w: ByteWriter, n: number, b: number) => {
    if (b !== stage[n]) reg(w, n, b - 1);
    else if (n < first) w.str('x[').num(n - 1).str(']');
    else w.str('n').num(n);
  };

  // Gates and registered nodes, bucketed by stage / bank, each in node order.
  const byStage: number[][] = Array.from({ length: R + 1 }, () => []);
  for (let n = first; n < nodes; n++) if (live[n]) byStage[stage[n]].push(n);
  const byBank: number[][] = Array.from({ length: R + 1 }, () => []);
  let registers = 0;
  for (let n = 1; n < nodes; n++) {
    for (let b = stage[n]; b <= lastReg[n]; b++) { byBank[b].push(n); registers++; }
  }

  const bank = (b: number) => {
    w.str(`\n  // register bank ${b}${b === 0 ? ': inputs sampled' : ''}\n`);
    w.str(`  reg valid_q${b} = 1'b0;\n`);
    for (const n of byBank[b]) { w.str('  reg '); reg(w, n, b); w.str(" = 1'b0;\n"); }
    w.str('  always @(posedge clk) begin\n');
    w.str(`    valid_q${b} <= ${b === 0 ? 'in_valid' : `valid_q${b - 1}`};\n`);
    for (const n of byBank[b]) { w.str('    '); reg(w, n, b); w.str(' <= '); source(w, n, b); w.str(';\n'); }
    w.str('  end\n');
  };
  bank(0);
  for (let s = 1; s <= R; s++) {
    w.str(`\n  // stage ${s}: gate levels ${ends[s - 1] + 1}..${ends[s]}\n`);
    // Logic in stage s reads gates of the same stage directly, everything else from bank s − 1.
    const valueIn: NodeWriter = (w, n) => {
      if (n === 0) w.str("1'b0");
      else if (n >= first && stage[n] === s) w.str('n').num(n);
      else reg(w, n, s - 1);
    };
    for (const n of byStage[s]) writeGate(w, ir, n - first, n, valueIn);
    bank(s);
  }
  const delayLines = writeDelayLines(w, lines, R, reg);
  w.str(`\n  // outputs, from register bank ${R}\n`);
  w.str(`  assign out_valid = valid_q${R};\n`);
  outputAssigns(ir, w, (w, n) => reg(w, n, R));
  return { latency: R, registers, delayLines };
}

/**
 * The delay lines: one memory per start bank B, written with the bank's bits every clock at
 * address dl_w and read R - B - 1 writes later into its output register, which is bank R
 * for those bits. All lines share the write address; the memories need no initial contents
 * (out_valid is low until real results reach bank R).
 */
function writeDelayLines(w: ByteWriter, lines: [number, number[]][], R: number, reg: (w: ByteWriter, n: number, b: number) => void): DelayLineStats {
  if (lines.length === 0) return NO_DELAY_LINES;
  const longest = Math.max(...lines.map(([b]) => R - b - 1));
  const aw = Math.max(1, Math.ceil(Math.log2(longest + 1)));
  w.str(`\n  // delay lines to bank ${R}: output bits no gate reads after bank B, written every clock, read ${lines.map(([b]) => R - b - 1).join(', ')} writes later\n`);
  w.str(`  reg [${aw - 1}:0] dl_w = ${aw}'d0;\n`);
  w.str(`  always @(posedge clk) dl_w <= dl_w + ${aw}'d1;\n`);
  let bits = 0, saved = 0, brams = 0;
  for (const [b, ns] of lines) {
    const width = ns.length;
    const name = `dl${b}`;
    bits += width;
    saved += width * (R - b);
    brams += Math.ceil(width / 16);
    w.str(`  (* ram_style = "block" *) reg [${width - 1}:0] ${name}_mem [0:${(1 << aw) - 1}];\n`);
    w.str(`  reg [${width - 1}:0] ${name}_q;\n`);
    w.str('  always @(posedge clk) begin\n');
    w.str(`    ${name}_mem[dl_w] <= {`);
    for (let i = width - 1; i >= 0; i--) { reg(w, ns[i], b); if (i > 0) w.str(', '); }
    w.str('};\n');
    w.str(`    ${name}_q <= ${name}_mem[dl_w - ${aw}'d${R - b - 1}];\n`);
    w.str('  end\n');
    ns.forEach((n, i) => { w.str('  wire '); reg(w, n, R); w.str(` = ${name}_q[${i}];\n`); });
  }
  return { lines: lines.length, bits, registersSaved: saved, brams };
}
