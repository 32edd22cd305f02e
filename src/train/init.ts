// Initial logits (16 per gate) for softmax16.
//   gaussian  every logit ~ N(0, 1) (difflogic's default)
//   residual  logit of op A (pass-through of input a, op 3) = 5, all others 0 (Petersen et
//             al. 2024): the net starts close to copying its inputs forward, which keeps
//             gradients alive through deep stacks.

import { mulberry32 } from '../netlist/vectors.js';

export type Init = 'gaussian' | 'residual';

export const RESIDUAL_LOGIT = 5;
const OP_A = 3;

export function initLogits(kind: Init, logits: Float32Array, seed: number): void {
  if (kind === 'residual') {
    logits.fill(0);
    for (let g = 0; g < logits.length / 16; g++) logits[16 * g + OP_A] = RESIDUAL_LOGIT;
    return;
  }
  const rand = mulberry32(seed);
  for (let i = 0; i < logits.length; i += 2) {
    // Box–Muller: two normals from two uniforms.
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    logits[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < logits.length) logits[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
}
