// Random netlists with a seed: the compiler's and the benches' input until trained models
// exist, and the property tests' generator. Ops are drawn from all 16 (constants included),
// and a share of gates read the same signal twice (a == b), the edge cases passes must handle.

import type { Netlist } from './netlist.js';
import { mulberry32 } from './vectors.js';

export interface RandomNetlistOptions {
  inputs: number;
  /** Gates per layer; the last must be divisible by `classes`. */
  widths: number[];
  classes: number;
  seed: number;
  /** Fraction of gates with a == b (default 0.05). */
  sameInputRate?: number;
  name?: string;
}

export function randomNetlist(o: RandomNetlistOptions): Netlist {
  const rand = mulberry32(o.seed);
  const pick = (n: number) => Math.floor(rand() * n);
  const same = o.sameInputRate ?? 0.05;
  let prev = o.inputs;
  const layers = o.widths.map((width) => {
    const a = new Array<number>(width);
    const b = new Array<number>(width);
    const op = new Array<number>(width);
    for (let g = 0; g < width; g++) {
      a[g] = pick(prev);
      b[g] = rand() < same ? a[g] : pick(prev);
      op[g] = pick(16);
    }
    prev = width;
    return { a, b, op };
  });
  return {
    format: 'lgn-netlist',
    version: 1,
    name: o.name ?? `random_${o.seed}`,
    inputs: o.inputs,
    layers,
    output: { kind: 'groupsum', classes: o.classes, tau: 1 },
    meta: { generator: 'lgnc random', seed: o.seed },
  };
}
