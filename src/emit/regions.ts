// regions.ts — a combinational core as one module per region (network, popcount, argmax)
// under a top with the build contract's interface, so synthesis can keep the regions apart
// and count the logic cells of each on the synthesized design.
// Two forms of the post-network stage:
//   - gates: the lowered IR split by region (each gate's region), every value that crosses a
//     region boundary becomes a port (the popcount and argmax as gate-level adders);
//   - chain: the network IR's gates in <top>_network, Group-Sum and argmax from the datapath
//     of arith.ts (carry-save full adders, carry-chain adds and comparators).
// Deterministic; the same IR and options give the same bytes.

import {
  firstGateNode, REGION_ARGMAX, REGION_NAMES, REGION_NETWORK, REGION_POPCOUNT, scoreWidth, supportOf,
  absorbInputInversions, classWidth, type Ir, type Lit,
} from '../ir/ir.js';
import { writeArithModules, type Arith } from './arith.js';
import { liveNodes, opExpression } from './verilog.js';

/** Instance names of the region modules inside the core (the synth report keys on them). */
export const REGION_INSTANCES: Record<string, string> = { network: 'u_network', popcount: 'u_popcount', argmax: 'u_argmax' };

const litText = (lit: Lit, name: (node: number) => string): string =>
  lit >>> 1 === 0 ? (lit & 1 ? "1'b1" : "1'b0") : `${lit & 1 ? '~' : ''}${name(lit >>> 1)}`;

const concat = (parts: string[]) => (parts.length === 1 ? parts[0] : `{${parts.slice().reverse().join(', ')}}`);

/** The gates of `region` as a module reading `ins` (nodes, as port bits i[k]) and driving `outs` (literals, as o[k]). */
function gateModule(ir: Ir, region: number, live: Uint8Array, modName: string, ins: number[], outs: Lit[], comment: string): string[] {
  const first = firstGateNode(ir);
  const inPos = new Map<number, number>();
  ins.forEach((n, k) => inPos.set(n, k));
  const name = (node: number): string => {
    if (node === 0) return "1'b0";
    const k = inPos.get(node);
    if (k !== undefined) return `i[${k}]`;
    return `n${node}`;
  };
  const lines: string[] = [`// ${comment}`, `module ${modName} (`];
  if (ins.length) lines.push(`  input  wire [${ins.length - 1}:0] i,`);
  lines.push(`  output wire [${Math.max(1, outs.length) - 1}:0] o`);
  lines.push(');');
  for (let g = 0; g < ir.gates; g++) {
    if (ir.region[g] !== region || !live[first + g]) continue;
    const la = ir.a[g], lb = ir.b[g];
    const op = absorbInputInversions(ir.op[g], la & 1, lb & 1);
    lines.push(`  wire n${first + g} = ${opExpression(op, name(la >>> 1), name(lb >>> 1))};`);
  }
  if (outs.length === 0) lines.push("  assign o = 1'b0;");
  else outs.forEach((lit, k) => lines.push(`  assign o[${k}] = ${litText(lit, name)};`));
  lines.push('endmodule', '');
  return lines;
}

/** Nodes each region reads from outside itself (live gates only), in node order. */
function regionInputs(ir: Ir, region: number, live: Uint8Array): number[] {
  const first = firstGateNode(ir);
  const seen = new Set<number>();
  for (let g = 0; g < ir.gates; g++) {
    if (ir.region[g] !== region || !live[first + g]) continue;
    const s = supportOf(ir.op[g]);
    for (const [bit, lit] of [[1, ir.a[g]], [2, ir.b[g]]] as const) {
      const u = lit >>> 1;
      if (s & bit && u !== 0 && (u < first || ir.region[u - first] !== region)) seen.add(u);
    }
  }
  return [...seen].sort((p, q) => p - q);
}

export interface RegionCoreOptions {
  top: string;
  header: string[];
}

function topModule(ir: Ir, top: string, header: string[], body: string[], unusedInputs: number): string[] {
  const N = ir.inputs, K = ir.classes, W = scoreWidth(ir.outputsPerClass), CW = classWidth(K);
  const lines = header.map((h) => (h === '' ? '//' : `// ${h}`));
  // Waiver: the region modules live in the core's file, next to the top module.
  lines.push('', '`default_nettype none', '/* verilator lint_off DECLFILENAME */', '', `module ${top} (`);
  if (unusedInputs > 0) {
    lines.push(`  // ${unusedInputs} of the ${N} input bits are read by no gate.`);
    lines.push('  /* verilator lint_off UNUSEDSIGNAL */');
  }
  lines.push(`  input  wire [${N - 1}:0] x,`);
  if (unusedInputs > 0) lines.push('  /* verilator lint_on UNUSEDSIGNAL */');
  lines.push(`  output wire [${K * W - 1}:0] scores,`, `  output wire [${CW - 1}:0] class_id`, ');');
  for (const l of body) lines.push(l); // not push(...body): a big net's body overflows the call stack
  lines.push('endmodule', '');
  return lines;
}

/** Core with gate-level popcount and argmax (the lowered IR), one module per region. */
export function emitRegionsGates(ir: Ir, o: RegionCoreOptions): Uint8Array {
  if (!ir.scores || !ir.classId) throw new Error('emitRegionsGates: the IR must be lowered first');
  const first = firstGateNode(ir);
  const live = liveNodes(ir, [ir.scores, ir.classId]);
  let unused = 0;
  for (let i = 0; i < ir.inputs; i++) if (!live[1 + i]) unused++;
  const regions = [REGION_NETWORK, REGION_POPCOUNT, REGION_ARGMAX];
  const ins = regions.map((r) => regionInputs(ir, r, live));
  // A region's outputs: its nodes that later regions read, and the sinks it owns.
  const outs: Lit[][] = regions.map(() => []);
  const outSet = regions.map(() => new Set<number>());
  const addOut = (r: number, node: number) => { if (!outSet[r].has(node)) { outSet[r].add(node); outs[r].push(node << 1); } };
  const regionOf = (node: number) => (node < first ? -1 : ir.region[node - first]);
  regions.forEach((r) => { for (const u of ins[r]) if (regionOf(u) >= 0) addOut(regionOf(u), u); });
  const sinkRegion = (lits: Int32Array, r: number) => { for (let i = 0; i < lits.length; i++) { const u = lits[i] >>> 1; if (u >= first && regionOf(u) !== r) addOut(regionOf(u), u); else if (u >= first) addOut(r, u); } };
  sinkRegion(ir.scores, REGION_POPCOUNT);
  sinkRegion(ir.classId, REGION_ARGMAX);
  for (const r of regions) outs[r].sort((p, q) => p - q);
  const wire = (node: number) => (node === 0 ? "1'b0" : node < first ? `x[${node - 1}]` : `w${node}`);
  const body: string[] = [];
  for (const r of regions) if (outs[r].length) body.push(`  wire [${outs[r].length - 1}:0] ${REGION_NAMES[r]}_o;`);
  for (const r of regions) for (const [k, lit] of outs[r].entries()) body.push(`  wire w${lit >>> 1} = ${REGION_NAMES[r]}_o[${k}];`);
  // A region with nothing to drive (e.g. a network of constants) gets no module.
  const present = regions.filter((r) => outs[r].length > 0);
  for (const r of present) {
    const inPort = ins[r].length ? `.i(${concat(ins[r].map(wire))}), ` : '';
    body.push(`  ${o.top}_${REGION_NAMES[r]} ${REGION_INSTANCES[REGION_NAMES[r]]} (${inPort}.o(${REGION_NAMES[r]}_o));`);
  }
  const sinkText = (lits: Int32Array) => concat(Array.from(lits, (l) => litText(l, wire)));
  const W = scoreWidth(ir.outputsPerClass);
  for (let c = 0; c < ir.classes; c++) body.push(`  assign scores[${c * W} +: ${W}] = ${sinkText(ir.scores.subarray(c * W, (c + 1) * W))};`);
  body.push(`  assign class_id = ${sinkText(ir.classId)};`);
  const lines = topModule(ir, o.top, o.header, body, unused);
  const what = ['the gate network', 'Group-Sum as gate-level full and half adders', 'argmax as gate-level comparators and muxes'];
  for (const r of present) for (const l of gateModule(ir, r, live, `${o.top}_${REGION_NAMES[r]}`, ins[r], outs[r], what[r])) lines.push(l);
  lines.push('`default_nettype wire', '');
  return new TextEncoder().encode(lines.join('\n'));
}

/** Core with the network's gates and the carry-chain datapath (arith.ts) for Group-Sum and argmax. */
export function emitRegionsChain(net: Ir, arith: Arith, o: RegionCoreOptions): Uint8Array {
  const live = liveNodes(net, [arith.inputs]);
  let unused = 0;
  for (let i = 0; i < net.inputs; i++) if (!live[1 + i]) unused++;
  // The network's inputs: what its gates read, and inputs wired straight to an output.
  const first = firstGateNode(net);
  const inSet = new Set(regionInputs({ ...net, region: new Uint8Array(net.gates) }, REGION_NETWORK, live));
  for (const lit of arith.inputs) if (lit >>> 1 < first) inSet.add(lit >>> 1);
  const ins = [...inSet].sort((p, q) => p - q);
  const Y = arith.inputs.length;
  const body = [
    `  wire [${Y - 1}:0] y;  // the network outputs the Group-Sum reads`,
    `  ${o.top}_network ${REGION_INSTANCES.network} (${ins.length ? `.i(${concat(ins.map((n) => `x[${n - 1}]`))}), ` : ''}.o(y));`,
    `  ${o.top}_popcount ${REGION_INSTANCES.popcount} (.y(y), .scores(scores));`,
    `  ${o.top}_argmax ${REGION_INSTANCES.argmax} (.scores(scores), .class_id(class_id));`,
  ];
  const lines = topModule(net, o.top, o.header, body, unused);
  const netAll = { ...net, region: new Uint8Array(net.gates) };
  for (const l of gateModule(netAll, REGION_NETWORK, live, `${o.top}_network`, ins, Array.from(arith.inputs), 'the gate network')) lines.push(l);
  lines.push(writeArithModules(arith, o.top));
  lines.push('`default_nettype wire', '');
  return new TextEncoder().encode(lines.join('\n'));
}
