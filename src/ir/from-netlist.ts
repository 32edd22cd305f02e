// Lowers a frozen netlist to the gate IR, one IR gate per netlist gate, in layer order.
// A v2 netlist is unrolled first (netlist/flatten.ts: conv trees at every position, OR pooling
// as OR gates), and the IR keeps where each gate came from in `origin` (conv layer, its shape
// and kernel parameters, its gate range) for later steps that stream a conv net.
// Guarantees: the IR computes exactly what the netlist computes (same scores, same class);
// nothing is simplified here — that is the passes' job, so `--no-opt` shows the network as is.

import { unrollNetlist } from '../netlist/flatten.js';
import type { AnyNetlist } from '../netlist/netlist.js';
import { inputLit, IrBuilder, REGION_NETWORK, type Ir } from './ir.js';

export function irFromNetlist(net: AnyNetlist): Ir {
  if (net.version === 2) return irFromUnrolled(net);
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

/** v2: the unrolled gate layers ("from": "all": indices into [inputs, gates…]); IR gate g is unrolled gate g. */
function irFromUnrolled(net: AnyNetlist): Ir {
  const { netlist: flat, origin } = unrollNetlist(net);
  let total = 0;
  for (const l of flat.layers) total += (l as { op: number[] }).op.length;
  const builder = new IrBuilder(net.inputs, total);
  const lits = new Int32Array(net.inputs + total);
  for (let i = 0; i < net.inputs; i++) lits[i] = inputLit(i);
  let n = net.inputs;
  let last = lits.subarray(0, 0);
  for (const layer of flat.layers) {
    const { a, b, op } = layer as { a: number[]; b: number[]; op: number[] };
    const start = n;
    for (let g = 0; g < op.length; g++) lits[n++] = builder.add(op[g], lits[a[g]], lits[b[g]], REGION_NETWORK);
    last = lits.subarray(start, n);
  }
  const classes = net.output.classes;
  const ir = builder.finish(
    { name: net.name, inputs: net.inputs, classes, outputsPerClass: last.length / classes },
    { outputs: last.slice(), scores: null, classId: null },
  );
  return { ...ir, origin };
}
