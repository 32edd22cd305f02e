// Fixed connectivity: which two signals of the previous layer each gate reads.
//   random  each input drawn independently and uniformly (a ≠ b when the layer below has
//           more than one signal).
//   unique  inputs used evenly: the 2·W input slots are filled from back-to-back random
//           permutations of the previous layer's signals, so every signal feeds
//           ⌊2W/n⌋ or ⌈2W/n⌉ gate inputs; pairs that came out equal are repaired by swapping
//           with another gate's slot, which keeps the counts.
//   topk:K  learnable: K candidates per input, each candidate set k drawn like `unique`
//           (topk.ts); frozen to the argmax candidate.
//   dense   learnable: every input mixes all signals of the previous layer (dense.ts);
//           frozen to the argmax signal. `--shrink` turns it into topk:K later in training.

export type Connect = 'random' | 'unique' | 'dense' | `topk:${number}`;

/** Candidates per input for `topk:K` (learnable connectivity, topk.ts), 0 for fixed kinds. */
export function topkOf(kind: Connect): number {
  const m = /^topk:(\d+)$/.exec(kind);
  return m ? Number(m[1]) : 0;
}

export function connectLayer(kind: 'random' | 'unique', prev: number, width: number, rand: () => number): { a: Int32Array; b: Int32Array } {
  return kind === 'random' ? randomPairs(prev, width, rand) : uniquePairs(prev, width, rand);
}

const pick = (n: number, rand: () => number) => Math.floor(rand() * n);

function randomPairs(prev: number, width: number, rand: () => number) {
  const a = new Int32Array(width);
  const b = new Int32Array(width);
  for (let g = 0; g < width; g++) {
    a[g] = pick(prev, rand);
    if (prev === 1) b[g] = 0;
    else {
      const r = pick(prev - 1, rand);
      b[g] = r >= a[g] ? r + 1 : r;
    }
  }
  return { a, b };
}

function shuffle(x: Int32Array, rand: () => number): void {
  for (let i = x.length - 1; i > 0; i--) {
    const j = pick(i + 1, rand);
    const t = x[i];
    x[i] = x[j];
    x[j] = t;
  }
}

function uniquePairs(prev: number, width: number, rand: () => number) {
  const slots = new Int32Array(2 * width);
  const perm = new Int32Array(prev);
  for (let filled = 0; filled < slots.length; ) {
    for (let i = 0; i < prev; i++) perm[i] = i;
    shuffle(perm, rand);
    const take = Math.min(prev, slots.length - filled);
    slots.set(perm.subarray(0, take), filled);
    filled += take;
  }
  const a = slots.subarray(0, width).slice();
  const b = slots.subarray(width).slice();
  if (prev > 1) {
    for (let g = 0; g < width; g++) {
      // Swap b[g] with another gate's b until both pairs are proper; bounded tries.
      for (let tries = 0; a[g] === b[g] && tries < 64; tries++) {
        const h = pick(width, rand);
        if (a[h] !== b[g] && a[g] !== b[h]) {
          const t = b[g];
          b[g] = b[h];
          b[h] = t;
        }
      }
    }
  }
  return { a, b };
}
