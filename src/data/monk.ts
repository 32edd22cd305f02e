// The MONK's problems (Thrun et al., "The MONK's Problems: A Performance Comparison of
// Different Learning Algorithms", CMU-CS-91-197, 1991), generated from their published rules.
//
// Six attributes: a1 ∈ 1..3, a2 ∈ 1..3, a3 ∈ 1..2, a4 ∈ 1..3, a5 ∈ 1..4, a6 ∈ 1..2, so
// 432 possible robots. Rules (class 1 = the concept holds):
//   MONK-1: a1 = a2  or  a5 = 1
//   MONK-2: exactly two of the six attributes take their first value (ai = 1)
//   MONK-3: (a5 = 3 and a4 = 1)  or  (a5 ≠ 4 and a2 ≠ 3), with 5 % class noise in training
// Test set: all 432 robots, noise-free, in counting order (a1 slowest). Training set: the
// standard sizes 124 / 169 / 122, drawn without replacement from the 432 by a fixed-seed
// shuffle (mulberry32, seed 1991 + problem number); for MONK-3, 6 of the 122 (5 %) training
// labels are flipped, chosen by the same generator. This is not the original UCI sample, but
// the same rules, sizes and noise rate, and the same on every machine.
// Features: the attributes one-hot, 3+3+2+3+4+2 = 17 binary features (0/1).

import { mulberry32 } from '../netlist/vectors.js';
import type { Dataset, Split } from './dataset.js';

export const MONK_VALUES = [3, 3, 2, 3, 4, 2];
export const MONK_FEATURES = MONK_VALUES.reduce((a, b) => a + b, 0); // 17
const TRAIN_SIZES = { 1: 124, 2: 169, 3: 122 } as const;
const MONK3_NOISY = 6;

export type MonkProblem = 1 | 2 | 3;

/** The concept of each problem, on attribute values (1-based, as in the report). */
export function monkRule(problem: MonkProblem, a: number[]): number {
  const [a1, a2, , a4, a5] = a;
  if (problem === 1) return a1 === a2 || a5 === 1 ? 1 : 0;
  if (problem === 2) return a.filter((v) => v === 1).length === 2 ? 1 : 0;
  return (a5 === 3 && a4 === 1) || (a5 !== 4 && a2 !== 3) ? 1 : 0;
}

/** All 432 robots in counting order, a1 slowest. */
export function allRobots(): number[][] {
  const out: number[][] = [];
  const rec = (prefix: number[]) => {
    if (prefix.length === MONK_VALUES.length) return void out.push(prefix);
    for (let v = 1; v <= MONK_VALUES[prefix.length]; v++) rec([...prefix, v]);
  };
  rec([]);
  return out;
}

function oneHot(robots: number[][]): Uint8Array {
  const x = new Uint8Array(robots.length * MONK_FEATURES);
  robots.forEach((a, s) => {
    let off = s * MONK_FEATURES;
    a.forEach((v, i) => {
      x[off + v - 1] = 1;
      off += MONK_VALUES[i];
    });
  });
  return x;
}

function split(robots: number[][], labels: number[]): Split {
  return { count: robots.length, x: oneHot(robots), y: Int32Array.from(labels) };
}

export function loadMonk(problem: MonkProblem): Dataset {
  const all = allRobots();
  const rand = mulberry32(1991 + problem);
  const order = all.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const trainIdx = order.slice(0, TRAIN_SIZES[problem]).sort((p, q) => p - q);
  const trainRobots = trainIdx.map((i) => all[i]);
  const trainLabels = trainRobots.map((a) => monkRule(problem, a));
  if (problem === 3) {
    const flip = new Set<number>();
    while (flip.size < MONK3_NOISY) flip.add(Math.floor(rand() * trainLabels.length));
    for (const i of flip) trainLabels[i] ^= 1;
  }
  return {
    name: `monk${problem}`,
    features: MONK_FEATURES,
    classes: 2,
    train: split(trainRobots, trainLabels),
    test: split(all, all.map((a) => monkRule(problem, a))),
    range: [0, 1],
    defaultEncoding: 'uniform:1',
    source: `generated from the rules of MONK-${problem} (Thrun et al. 1991)`,
  };
}
