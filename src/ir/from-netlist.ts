// Lowers a frozen netlist to the gate IR, one IR gate per netlist gate, in layer order.
// Guarantees: the IR computes exactly what the netlist computes (same scores, same class);
// nothing is simplified here — that is the passes' job, so `--no-opt` shows the network as is.

import type { Netlist } from '../netlist/netlist.js';
import { inputLit, IrBuilder, REGION_NETWORK, type Ir } from './ir.js';

export function irFromNetlist(net: Netlist): Ir {
  let total = 0;
  for (const l of net.layers) total += l.op.length;
  const builder = new IrBuilder(net.inputs, total);
  // Literal of each signal of the previous layer (the inputs, for layer 0).
  let prev = new Int32Array(net.inputs);
  for (let i = 0; i < net.inputs; i++) prev[i] = inputLit(i);
  for (const layer of net.layers) {
    const n = layer.op.length;
    const cur = new Int32Array(n);
    const { a, b, op } = layer;
    for (let g = 0; g < n; g++) cur[g] = builder.add(op[g], prev[a[g]], prev[b[g]], REGION_NETWORK);
    prev = cur;
  }
  const classes = net.output.classes;
  return builder.finish(
    { name: net.name, inputs: net.inputs, classes, outputsPerClass: prev.length / classes },
    { outputs: prev, scores: null, classId: null },
  );
}
