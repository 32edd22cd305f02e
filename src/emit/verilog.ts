// Verilog-2005 emitter for a lowered IR (scores and class id as gates). Deterministic: the
// same IR and options give the same bytes. Interface (DESIGN.md, build contract):
//   input  wire [N-1:0]   x         netlist input bit i is x[i]
//   output wire [K*W-1:0] scores    class c at [c*W +: W]
//   output wire [CW-1:0]  class_id  argmax, ties to the lowest class
// and with `pipeline: P` (P gate levels per stage) also clk, in_valid, out_valid: inputs are
// sampled on a rising edge into register bank 0; a gate at level l is computed in stage
// ceil(l / P) and every value crossing a stage boundary goes through a register; the outputs
// come from bank R = max(1, ceil(depth / P)), so the latency is R rising edges after the
// sampling edge. All registers start at 0 (declaration initializers, no reset port).
//
// Each gate is one `wire` whose expression is derived from its truth table (gate table in
// netlist/gates.ts — no second copy of the ops here): AND/OR forms with the needed
// inversions, XOR/XNOR, a wire or a constant.

import { opSupport } from '../netlist/gates.js';
import {
  absorbInputInversions, classWidth, firstGateNode, nodeLevels, REGION_NAMES, scoreWidth, type Ir, type Lit,
} from '../ir/ir.js';

export interface VerilogOptions {
  top: string;
  /** Gate levels per pipeline stage; null for a purely combinational module. */
  pipeline: number | null;
  /** Comment lines for the header (model, hash, version, statistics), given the latency. */
  header: (r: { latency: number; registers: number }) => string[];
}

export interface VerilogResult {
  text: string;
  /** Rising edges from sampling an input to its result at the outputs (0: combinational). */
  latency: number;
  /** Pipeline registers (bits), excluding the valid chain. */
  registers: number;
}

/** Verilog expression of op applied to operands A, B (already-named signals). */
export function opExpression(op: number, A: string, B: string): string {
  const support = opSupport(op);
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

/**
 * Which nodes the emitted text reads on the way to an output. An input the op ignores (e.g.
 * B of a NOT A gate, kept by --no-opt) is not read: the expression leaves it out.
 */
function liveNodes(ir: Ir, sinks: Int32Array[]): Uint8Array {
  const first = firstGateNode(ir);
  const live = new Uint8Array(first + ir.gates);
  for (const s of sinks) for (let i = 0; i < s.length; i++) live[s[i] >>> 1] = 1;
  for (let g = ir.gates - 1; g >= 0; g--) {
    if (!live[first + g]) continue;
    const support = opSupport(ir.op[g]);
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

  const out: string[] = ['', '`default_nettype none', ''];
  const pipelined = opts.pipeline !== null;
  out.push(`module ${opts.top} (`);
  if (pipelined) out.push('  input  wire clk,', '  input  wire in_valid,');
  if (unusedInputs > 0) {
    // Waiver: the interface carries every netlist input, but the network may read fewer
    // (e.g. border pixels no gate uses); those bits are unused by design.
    out.push(`  // ${unusedInputs} of the ${N} input bits are read by no gate.`, '  /* verilator lint_off UNUSEDSIGNAL */');
  }
  out.push(`  input  wire [${N - 1}:0] x,`);
  if (unusedInputs > 0) out.push('  /* verilator lint_on UNUSEDSIGNAL */');
  if (pipelined) out.push('  output wire out_valid,');
  out.push(`  output wire [${K * W - 1}:0] scores,`, `  output wire [${CW - 1}:0] class_id`, ');');
  if (deadGates > 0) {
    // Waiver: only --no-opt designs keep gates no output reads (the network as trained).
    out.push(`  // ${deadGates} gates are read by no output (unoptimized design, kept as trained).`, '  /* verilator lint_off UNUSEDSIGNAL */');
  }
  const body = pipelined ? pipelinedBody(ir, opts.pipeline!, live, out) : combinationalBody(ir, out);
  if (deadGates > 0) out.push('  /* verilator lint_on UNUSEDSIGNAL */');
  out.push('', 'endmodule', '', '`default_nettype wire', '');
  const header = opts.header(body).map((line) => (line === '' ? '//' : `// ${line}`));
  out.unshift(...header);
  return { text: out.join('\n'), latency: body.latency, registers: body.registers };
}

/** Name of a literal's node value in combinational code, with the constant cases. */
function combinationalName(first: number, node: number): string {
  if (node === 0) return "1'b0";
  if (node < first) return `x[${node - 1}]`;
  return `n${node}`;
}

function gateLine(ir: Ir, g: number, name: (node: number) => string, first: number): string {
  const la = ir.a[g], lb = ir.b[g];
  const op = absorbInputInversions(ir.op[g], la & 1, lb & 1);
  return `  wire n${first + g} = ${opExpression(op, name(la >>> 1), name(lb >>> 1))};`;
}

function litExpression(lit: Lit, name: (node: number) => string): string {
  if (lit >>> 1 === 0) return lit & 1 ? "1'b1" : "1'b0";
  return lit & 1 ? `~${name(lit >>> 1)}` : name(lit >>> 1);
}

function outputAssigns(ir: Ir, out: string[], name: (node: number) => string): void {
  const W = scoreWidth(ir.outputsPerClass);
  // Concatenations list the most significant bit first.
  const concat = (lits: Int32Array) => (lits.length === 1 ? litExpression(lits[0], name)
    : `{${Array.from(lits).reverse().map((l) => litExpression(l, name)).join(', ')}}`);
  for (let c = 0; c < ir.classes; c++) {
    out.push(`  assign scores[${c * W} +: ${W}] = ${concat(ir.scores!.subarray(c * W, (c + 1) * W))};  // class ${c}`);
  }
  out.push(`  assign class_id = ${concat(ir.classId!)};`);
}

function combinationalBody(ir: Ir, out: string[]): { latency: number; registers: number } {
  const first = firstGateNode(ir);
  const name = (node: number) => combinationalName(first, node);
  let region = -1;
  for (let g = 0; g < ir.gates; g++) {
    if (ir.region[g] !== region) {
      region = ir.region[g];
      out.push('', `  // ${REGION_NAMES[region]}`);
    }
    out.push(gateLine(ir, g, name, first));
  }
  out.push('', '  // outputs');
  outputAssigns(ir, out, name);
  return { latency: 0, registers: 0 };
}

function pipelinedBody(ir: Ir, every: number, live: Uint8Array, out: string[]): { latency: number; registers: number } {
  const first = firstGateNode(ir);
  const levels = nodeLevels(ir);
  const nodes = first + ir.gates;
  // Stage of each node: inputs are in bank 0 (stage 0); gate at level l in stage ceil(l / every).
  const stage = new Int32Array(nodes);
  for (let n = first; n < nodes; n++) stage[n] = Math.ceil(levels[n] / every);
  const sinks = [ir.scores!, ir.classId!];
  let sinkStage = 0;
  for (const s of sinks) for (let i = 0; i < s.length; i++) sinkStage = Math.max(sinkStage, stage[s[i] >>> 1]);
  const R = Math.max(1, sinkStage);
  // need[n]: the last register bank node n must be held in (-1: none).
  const need = new Int32Array(nodes).fill(-1);
  for (let g = 0; g < ir.gates; g++) {
    if (!live[first + g]) continue;
    const s = stage[first + g];
    const support = opSupport(ir.op[g]);
    for (const lit of [support & 1 ? ir.a[g] : 0, support & 2 ? ir.b[g] : 0]) {
      const u = lit >>> 1;
      if (u !== 0 && stage[u] < s && need[u] < s - 1) need[u] = s - 1;
    }
  }
  for (const s of sinks) for (let i = 0; i < s.length; i++) if (s[i] >>> 1 !== 0) need[s[i] >>> 1] = R;

  const base = (node: number) => (node < first ? `x${node - 1}` : `n${node}`);
  const reg = (node: number, bank: number) => `${base(node)}_q${bank}`;
  /** The node's value as read by logic in stage s (from bank s − 1 when computed earlier). */
  const valueIn = (node: number, s: number) => {
    if (node === 0) return "1'b0";
    if (node >= first && stage[node] === s) return `n${node}`;
    return reg(node, s - 1);
  };
  const source = (node: number, bank: number) =>
    bank === stage[node] ? (node < first ? `x[${node - 1}]` : `n${node}`) : reg(node, bank - 1);

  // Gates and registered nodes, bucketed by stage / bank, each in node order.
  const byStage: number[][] = Array.from({ length: R + 1 }, () => []);
  for (let n = first; n < nodes; n++) if (live[n]) byStage[stage[n]].push(n);
  const byBank: number[][] = Array.from({ length: R + 1 }, () => []);
  let registers = 0;
  for (let n = 1; n < nodes; n++) {
    for (let b = stage[n]; b <= need[n]; b++) { byBank[b].push(n); registers++; }
  }

  const bank = (b: number) => {
    out.push('', `  // register bank ${b}${b === 0 ? ': inputs sampled' : ''}`);
    out.push(`  reg valid_q${b} = 1'b0;`);
    for (const n of byBank[b]) out.push(`  reg ${reg(n, b)} = 1'b0;`);
    out.push('  always @(posedge clk) begin');
    out.push(`    valid_q${b} <= ${b === 0 ? 'in_valid' : `valid_q${b - 1}`};`);
    for (const n of byBank[b]) out.push(`    ${reg(n, b)} <= ${source(n, b)};`);
    out.push('  end');
  };
  bank(0);
  for (let s = 1; s <= R; s++) {
    out.push('', `  // stage ${s}: gate levels ${(s - 1) * every + 1}..${s * every}`);
    for (const n of byStage[s]) gateLine2(n, s);
    bank(s);
  }
  function gateLine2(n: number, s: number): void {
    const g = n - first;
    const la = ir.a[g], lb = ir.b[g];
    const op = absorbInputInversions(ir.op[g], la & 1, lb & 1);
    out.push(`  wire n${n} = ${opExpression(op, valueIn(la >>> 1, s), valueIn(lb >>> 1, s))};`);
  }
  out.push('', '  // outputs, from register bank ' + R);
  out.push(`  assign out_valid = valid_q${R};`);
  outputAssigns(ir, out, (node) => reg(node, R));
  return { latency: R, registers };
}
