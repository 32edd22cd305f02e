// Freezing: every gate becomes one op (softmax16: the largest logit, ties to the lowest op;
// iwp: the soft truth table rounded at 0.5), every connection stays the index it was trained with. The result is an lgn-netlist v1.

import type { Layer, Netlist, ThresholdEncoding } from '../netlist/netlist.js';
import { paramOf } from './param.js';
import { opCoefficients } from './softmax16.js';
import type { State } from './state.js';

export function frozenLayers(st: State): Layer[] {
  const frozenOp = paramOf(st.param, st.rho).frozenOp;
  return st.shape.widths.map((W, l) => {
    const g0 = st.offsets[l];
    const a = new Array<number>(W);
    const b = new Array<number>(W);
    const op = new Array<number>(W);
    for (let j = 0; j < W; j++) {
      a[j] = st.a[g0 + j];
      b[j] = st.b[g0 + j];
      op[j] = frozenOp(st.logits, g0 + j);
    }
    return { a, b, op };
  });
}

export function freezeNetlist(st: State, name: string, encoding: ThresholdEncoding, tau: number, meta: Record<string, unknown>): Netlist {
  return {
    format: 'lgn-netlist',
    version: 1,
    name,
    inputs: st.shape.inputs,
    encoding,
    layers: frozenLayers(st),
    output: { kind: 'groupsum', classes: st.shape.classes, tau },
    meta,
  };
}

/** Fills st.hard with the frozen ops' coefficients, for the trainer's discrete forward. */
export function setHardCoefficients(st: State): void {
  const frozenOp = paramOf(st.param, st.rho).frozenOp;
  for (let g = 0; g < st.gates; g++) opCoefficients(frozenOp(st.logits, g), st.hard, g);
}
