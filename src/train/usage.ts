// How much of a frozen netlist will become hardware: gates that no output depends on (dead),
// and live gates that are wires, inverters or constants (ops FALSE, A, B, NOT A, NOT B, TRUE),
// which the compiler's passes absorb. Their share is the "unused gate" fraction the trainer
// records in `meta`. Computed on the netlist alone (the compiler stage is not imported here).

import { isConstantOp, opSupport } from '../netlist/gates.js';
import type { GateLayer, Netlist, NetlistV2 } from '../netlist/netlist.js';
import { unrollNetlist } from '../netlist/flatten.js';

export interface GateUsage {
  gates: number;
  /** Gates no output depends on. */
  dead: number;
  /** Live single-input gates: A, B, NOT A, NOT B. */
  passThrough: number;
  /** Live FALSE / TRUE gates. */
  constant: number;
  /** (dead + passThrough + constant) / gates. */
  unusedFraction: number;
}

export function gateUsage(net: Netlist): GateUsage {
  const L = net.layers.length;
  let live = new Uint8Array(net.layers[L - 1].op.length).fill(1); // every output counts
  let dead = 0, passThrough = 0, constant = 0, gates = 0;
  for (let l = L - 1; l >= 0; l--) {
    const { a, b, op } = net.layers[l];
    const prevWidth = l > 0 ? net.layers[l - 1].op.length : net.inputs;
    const prevLive = new Uint8Array(prevWidth);
    gates += op.length;
    for (let g = 0; g < op.length; g++) {
      if (!live[g]) {
        dead++;
        continue;
      }
      const support = opSupport(op[g]);
      if (support & 1) prevLive[a[g]] = 1;
      if (support & 2) prevLive[b[g]] = 1;
      if (isConstantOp(op[g])) constant++;
      else if (support !== 3) passThrough++;
    }
    live = prevLive;
  }
  return { gates, dead, passThrough, constant, unusedFraction: (dead + passThrough + constant) / gates };
}

/**
 * The same for a version 2 netlist, counted on its unrolled gates (`lgnc flatten`: every conv
 * tree at every position, OR pooling as OR gates, a padding leaf folded into its gate).
 */
export function gateUsageV2(net: NetlistV2): GateUsage {
  const layers = unrollNetlist(net).netlist.layers as GateLayer[];
  const gates = layers.reduce((s, l) => s + l.op.length, 0);
  // Signal i of [inputs, gate 0, gate 1, …]; every gate of the last layer is an output.
  const live = new Uint8Array(net.inputs + gates);
  live.fill(1, net.inputs + gates - layers[layers.length - 1].op.length);
  let dead = 0, passThrough = 0, constant = 0;
  let g = net.inputs + gates;
  for (let l = layers.length - 1; l >= 0; l--) {
    const { a, b, op } = layers[l];
    for (let j = op.length - 1; j >= 0; j--) {
      g--;
      if (!live[g]) {
        dead++;
        continue;
      }
      const support = opSupport(op[j]);
      if (support & 1) live[a[j]] = 1;
      if (support & 2) live[b[j]] = 1;
      if (isConstantOp(op[j])) constant++;
      else if (support !== 3) passThrough++;
    }
  }
  return { gates, dead, passThrough, constant, unusedFraction: (dead + passThrough + constant) / gates };
}
