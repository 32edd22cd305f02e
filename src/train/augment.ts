// Small input shifts as augmentation (`--shift S`): every step, each training sample moves
// by (dx, dy) ∈ [−S, S]² whole pixels, drawn from a hash of (seed, step, position in the
// batch), so runs stay reproducible whatever the thread count. Pixels shifted in from outside
// are background (every threshold bit 0). Works on the encoded bits directly: an image of
// side × side pixels whose bits are pixel-major with the same thresholds for every pixel
// (uniform:K), so input bit f·K + j moves with pixel f. Evaluation never shifts.

import { fmix32 } from './gumbel.js';

/** maps[(dy + S)(2S + 1) + dx + S][bit] = the source bit of `bit` under shift (dx, dy), or −1 (background). */
export function shiftMaps(side: number, bitsPerPixel: number, S: number): Int32Array[] {
  const maps: Int32Array[] = [];
  for (let dy = -S; dy <= S; dy++) {
    for (let dx = -S; dx <= S; dx++) {
      const map = new Int32Array(side * side * bitsPerPixel);
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const sy = y - dy, sx = x - dx;
          const inside = sy >= 0 && sy < side && sx >= 0 && sx < side;
          for (let j = 0; j < bitsPerPixel; j++) map[(y * side + x) * bitsPerPixel + j] = inside ? (sy * side + sx) * bitsPerPixel + j : -1;
        }
      }
      maps.push(map);
    }
  }
  return maps;
}

/** Which of the (2S + 1)² shifts sample `position` of step `step` takes. */
export function shiftIndex(seed: number, step: number, position: number, S: number): number {
  const h = fmix32(fmix32((seed ^ Math.imul(step, 0x9e3779b1) ^ 0x5f356495) >>> 0) ^ Math.imul(position + 1, 0x27d4eb2f));
  return h % ((2 * S + 1) * (2 * S + 1));
}
