// What `lgnc check` reports about a netlist: sizes (for v2 both the gates stored — a conv
// kernel's tree once — and the gates it unrolls to), layers with their shapes, op histogram,
// unused inputs.

import { unrollNetlist } from './flatten.js';
import { OP_NAMES, opSupport } from './gates.js';
import { layerKind, layerShape, storedGates, type LayerKind } from './layers.js';
import {
  gateCount, layerGateCounts, netlistWidths, outputsPerClass, storedGateCount,
  type AnyNetlist, type ConvLayer, type GateLayer, type Shape,
} from './netlist.js';

export interface LayerSummary {
  kind: LayerKind;
  /** Output signals. */
  width: number;
  /** Output shape of conv and orpool layers. */
  shape: Shape | null;
  /** Gates stored in the file (shared parameters). */
  stored: number;
  /** Gates after unrolling (`lgnc flatten`). */
  gates: number;
  /** Gate layers reading every earlier signal. */
  fromAll?: boolean;
  /** Conv: kernels × depth, receptive field, stride, padding. */
  conv?: { kernels: number; depth: number; receptiveField: [number, number]; stride: number; padding: number };
}

export interface NetlistSummary {
  name: string;
  version: 1 | 2;
  inputs: number;
  unusedInputs: number;
  layers: number;
  widths: number[];
  /** Two-input gates the network computes (v2: unrolled over every position). */
  gates: number;
  /** Gates stored in the file (v2: each conv kernel's tree once); equals `gates` for v1. */
  storedGates: number;
  classes: number;
  outputsPerClass: number;
  tau: number | null;
  /** Gates per op, keyed by op name, in op order (stored gates). */
  ops: Record<string, number>;
  encoding: { kind: string; features: number } | null;
  /** v2 only: one entry per layer. */
  layerDetails?: LayerSummary[];
}

/** Ops of the stored gates (a conv kernel's ops once), indexed by op. */
export function opHistogram(net: AnyNetlist): number[] {
  const hist = new Array<number>(16).fill(0);
  for (const layer of net.layers) {
    const kind = net.version === 2 ? layerKind(layer) : 'gates';
    if (kind === 'gates') for (const op of (layer as GateLayer).op) hist[op]++;
    else if (kind === 'conv') for (const ops of (layer as ConvLayer).op) for (const op of ops) hist[op]++;
  }
  return hist;
}

/**
 * Inputs wired to no gate (v2: read by no gate of the unrolled network, "from": "all" layers
 * included; there a leaf in the zero padding is folded into its gate's truth table, and the
 * input the folded gate is wired to counts only if the truth table depends on it — a gate
 * whose two leaves are both padding is a constant wired to input 0 and reads nothing).
 */
function unusedInputs(net: AnyNetlist): number {
  const used = new Uint8Array(net.inputs);
  const v2 = net.version === 2;
  const layers = v2 ? unrollNetlist(net).netlist.layers as GateLayer[] : net.layers.slice(0, 1);
  for (const g of layers) {
    for (let i = 0; i < g.op.length; i++) {
      const reads = v2 ? opSupport(g.op[i]) : 3;
      if (reads & 1 && g.a[i] < net.inputs) used[g.a[i]] = 1;
      if (reads & 2 && g.b[i] < net.inputs) used[g.b[i]] = 1;
    }
  }
  return used.reduce((n, u) => n + (u ? 0 : 1), 0);
}

export function summarize(net: AnyNetlist): NetlistSummary {
  const hist = opHistogram(net);
  const widths = netlistWidths(net);
  const s: NetlistSummary = {
    name: net.name,
    version: net.version,
    inputs: net.inputs,
    unusedInputs: unusedInputs(net),
    layers: net.layers.length,
    widths,
    gates: gateCount(net),
    storedGates: storedGateCount(net),
    classes: net.output.classes,
    outputsPerClass: outputsPerClass(net),
    tau: net.output.tau ?? null,
    ops: Object.fromEntries(OP_NAMES.map((name, op) => [name, hist[op]])),
    encoding: net.encoding ? { kind: net.encoding.kind, features: net.encoding.features } : null,
  };
  if (net.version === 2) {
    const unrolled = layerGateCounts(net);
    s.layerDetails = net.layers.map((layer, l) => {
      const kind = layerKind(layer);
      const d: LayerSummary = { kind, width: widths[l], shape: kind === 'flatten' ? null : layerShape(layer), stored: storedGates(layer), gates: unrolled[l] };
      if (kind === 'gates' && (layer as GateLayer).from === 'all') d.fromAll = true;
      if (kind === 'conv') {
        const c = layer as ConvLayer;
        d.conv = { kernels: c.kernels, depth: c.depth, receptiveField: c.receptiveField, stride: c.stride, padding: c.padding };
      }
      return d;
    });
  }
  return s;
}
