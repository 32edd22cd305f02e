// What `lgnc check` reports about a netlist: sizes, op histogram, unused inputs.

import { OP_NAMES } from './gates.js';
import { gateCount, outputsPerClass, type Netlist } from './netlist.js';

export interface NetlistSummary {
  name: string;
  inputs: number;
  unusedInputs: number;
  layers: number;
  widths: number[];
  gates: number;
  classes: number;
  outputsPerClass: number;
  tau: number | null;
  /** Gates per op, keyed by op name, in op order. */
  ops: Record<string, number>;
  encoding: { kind: string; features: number } | null;
}

export function summarize(net: Netlist): NetlistSummary {
  const hist = new Array<number>(16).fill(0);
  for (const layer of net.layers) for (const op of layer.op) hist[op]++;
  const used = new Uint8Array(net.inputs);
  const first = net.layers[0];
  for (let g = 0; g < first.op.length; g++) {
    used[first.a[g]] = 1;
    used[first.b[g]] = 1;
  }
  return {
    name: net.name,
    inputs: net.inputs,
    unusedInputs: used.reduce((n, u) => n + (u ? 0 : 1), 0),
    layers: net.layers.length,
    widths: net.layers.map((l) => l.op.length),
    gates: gateCount(net),
    classes: net.output.classes,
    outputsPerClass: outputsPerClass(net),
    tau: net.output.tau ?? null,
    ops: Object.fromEntries(OP_NAMES.map((name, op) => [name, hist[op]])),
    encoding: net.encoding ? { kind: net.encoding.kind, features: net.encoding.features } : null,
  };
}
