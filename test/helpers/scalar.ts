// An independent scalar evaluator: one sample at a time, straight from the gate table's
// definition (bit 3 - (2A + B) of the op). The tests check the bit-parallel evaluator
// (and everything checked against it) against this plain reading of DESIGN.md.

import type { Netlist, NetlistV2 } from '../../src/netlist/netlist.js';

export function scalarEval(net: Netlist, bits: number[]): { scores: number[]; cls: number } {
  let prev = bits;
  for (const layer of net.layers) {
    prev = layer.op.map((op, g) => (op >> (3 - (2 * prev[layer.a[g]] + prev[layer.b[g]]))) & 1);
  }
  return groupSum(prev, net.output.classes);
}

/**
 * v2, one sample at a time, straight from the README's definitions: a signal vector per
 * layer, "from": "all" reading the concatenation, conv trees at every position with the
 * padding reading 0, OR pooling over windows, flatten the identity.
 */
export function scalarEvalV2(net: NetlistV2, bits: number[]): { scores: number[]; cls: number } {
  const op2 = (op: number, a: number, b: number) => (op >> (3 - (2 * a + b))) & 1;
  const all: number[] = [...bits];
  let prev = bits;
  for (const layer of net.layers) {
    let out: number[];
    if (layer.kind === 'conv') {
      const [, H, W] = layer.input;
      const [RH, RW] = layer.receptiveField;
      const Ho = Math.floor((H + 2 * layer.padding - RH) / layer.stride) + 1;
      const Wo = Math.floor((W + 2 * layer.padding - RW) / layer.stride) + 1;
      out = [];
      for (let k = 0; k < layer.kernels; k++) {
        for (let y = 0; y < Ho; y++) {
          for (let x = 0; x < Wo; x++) {
            let level = layer.leaves[k].map(([c, dy, dx]) => {
              const iy = y * layer.stride + dy - layer.padding, ix = x * layer.stride + dx - layer.padding;
              return iy < 0 || iy >= H || ix < 0 || ix >= W ? 0 : prev[(c * H + iy) * W + ix];
            });
            let next = 0;
            while (level.length > 1) {
              level = Array.from({ length: level.length / 2 }, (_, g) => op2(layer.op[k][next + g], level[2 * g], level[2 * g + 1]));
              next += level.length;
            }
            out.push(level[0]);
          }
        }
      }
    } else if (layer.kind === 'orpool') {
      const [C, H, W] = layer.input;
      const Ho = Math.floor((H + 2 * layer.padding - layer.size) / layer.stride) + 1;
      const Wo = Math.floor((W + 2 * layer.padding - layer.size) / layer.stride) + 1;
      out = [];
      for (let c = 0; c < C; c++) {
        for (let y = 0; y < Ho; y++) {
          for (let x = 0; x < Wo; x++) {
            let v = 0;
            for (let dy = 0; dy < layer.size; dy++) {
              for (let dx = 0; dx < layer.size; dx++) {
                const iy = y * layer.stride + dy - layer.padding, ix = x * layer.stride + dx - layer.padding;
                if (iy >= 0 && iy < H && ix >= 0 && ix < W) v |= prev[(c * H + iy) * W + ix];
              }
            }
            out.push(v);
          }
        }
      }
    } else if (layer.kind === 'flatten') {
      out = prev;
    } else {
      const src = layer.from === 'all' ? all : prev;
      out = layer.op.map((op, g) => op2(op, src[layer.a[g]], src[layer.b[g]]));
    }
    all.push(...out);
    prev = out;
  }
  return groupSum(prev, net.output.classes);
}

/** Group-Sum of the last layer's bits and the argmax, ties to the lowest class. */
function groupSum(last: number[], K: number): { scores: number[]; cls: number } {
  const per = last.length / K;
  const scores = Array.from({ length: K }, (_, c) => last.slice(c * per, (c + 1) * per).reduce((s, v) => s + v, 0));
  let cls = 0;
  for (let c = 1; c < K; c++) if (scores[c] > scores[cls]) cls = c;
  return { scores, cls };
}
