// Input-shift augmentation: a shift map moves every encoded bit with its pixel (the same as
// shifting the raw image and encoding it), shifts are drawn reproducibly and cover all
// (2S + 1)² offsets, and --shift is refused where bits do not move with pixels.

import { describe, expect, it } from 'vitest';
import { encode, fitEncoding, parseEncoding } from '../../src/data/encoding.js';
import { shiftIndex, shiftMaps } from '../../src/train/augment.js';
import { train } from '../../src/train/index.js';
import type { Dataset } from '../../src/data/dataset.js';

describe('input shifts', () => {
  it('a shift map on the encoded bits = encoding the shifted image (uniform:3, 5×5 image)', () => {
    const side = 5, S = 2;
    const img = Uint8Array.from({ length: side * side }, (_, i) => (i * 97) % 256);
    const d = { features: side * side, range: [0, 255], train: { count: 1, x: img } } as unknown as Dataset;
    const enc = fitEncoding(parseEncoding('uniform:3'), d);
    const bits = encode(enc, img, 1);
    const maps = shiftMaps(side, 3, S);
    expect(maps).toHaveLength(25);
    for (let dy = -S; dy <= S; dy++) {
      for (let dx = -S; dx <= S; dx++) {
        const shifted = new Uint8Array(side * side);
        for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) {
          const sy = y - dy, sx = x - dx;
          shifted[y * side + x] = sy >= 0 && sy < side && sx >= 0 && sx < side ? img[sy * side + sx] : 0;
        }
        const want = encode(enc, shifted, 1);
        const map = maps[(dy + S) * (2 * S + 1) + dx + S];
        for (let i = 0; i < map.length; i++) {
          const got = map[i] < 0 ? 0 : bits.data[map[i] * bits.words] & 1;
          expect(got).toBe(want.data[i * want.words] & 1);
        }
      }
    }
  });

  it('shifts are a function of (seed, step, position) and cover every offset', () => {
    expect(shiftIndex(1, 5, 7, 1)).toBe(shiftIndex(1, 5, 7, 1));
    const seen = new Set<number>();
    for (let p = 0; p < 200; p++) seen.add(shiftIndex(1, 5, p, 1));
    expect([...seen].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('trains an MNIST slice with --shift 1; refuses it on non-image data', async () => {
    const r = await train({ dataset: 'mnist', limit: 1000, width: [300, 300, 100], tau: 3, batch: 32, lr: 0.03, epochs: 2, seed: 1, threads: 2, param: 'iwp', connect: 'unique', shift: 1 });
    expect(r.frozenTestAccuracy).toBeGreaterThan(0.25); // chance is 0.1; without shifts this slice gives ~0.35
    expect(r.netlist.meta).toMatchObject({ config: { shift: 1 } });
    await expect(train({ dataset: 'monk1', width: [32, 16], epochs: 1, shift: 1 })).rejects.toThrow(/--shift 1: needs square images/);
  });
});
