// An independent scalar evaluator: one sample at a time, straight from the gate table's
// definition (bit 3 - (2A + B) of the op). The tests check the bit-parallel evaluator
// (and everything checked against it) against this plain reading of DESIGN.md.

import type { Netlist } from '../../src/netlist/netlist.js';

export function scalarEval(net: Netlist, bits: number[]): { scores: number[]; cls: number } {
  let prev = bits;
  for (const layer of net.layers) {
    prev = layer.op.map((op, g) => (op >> (3 - (2 * prev[layer.a[g]] + prev[layer.b[g]]))) & 1);
  }
  const K = net.output.classes;
  const per = prev.length / K;
  const scores = Array.from({ length: K }, (_, c) => prev.slice(c * per, (c + 1) * per).reduce((s, v) => s + v, 0));
  let cls = 0;
  for (let c = 1; c < K; c++) if (scores[c] > scores[cls]) cls = c;
  return { scores, cls };
}
