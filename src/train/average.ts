// Parameter averaging, `--average F` (stochastic weight averaging: Izmailov et al. 2018,
// "Averaging Weights Leads to Wider Optima and Better Generalization"): the gate parameters
// and the candidate logits at the end of each of the last fraction F of the epochs are
// summed, and the run freezes their mean instead of the last epoch's values. While the
// learning rate falls, the frozen accuracy of successive epochs still swings by ±0.2 points
// (mnist-8k); the mean sits in the middle of the region they wander over.
// The candidates themselves must stay put over the window, so that a logit's mean is the mean
// of one candidate's logit: the window starts after the last re-draw and the last shrink
// (a preset's 64 epochs cut to 10 by --epochs averages what is left, not nothing).

import type { TrainConfig } from './config.js';

/** The last round(F · epochs) epochs, at least one: the first of them (0-based). */
export function firstAverageEpoch(fraction: number, epochs: number): number {
  return epochs - Math.max(1, Math.round(fraction * epochs));
}

/**
 * The first epoch (0-based) whose end --average sums: the first of the last fraction, or
 * the first after every change of the candidates (a --redraw R:E re-draws at the start of
 * epochs 2..E+1, 1-based; a --shrink E:K shrinks at the start of epoch E+1), at most the last.
 */
export function averageStart(c: Pick<TrainConfig, 'epochs' | 'average' | 'redraw' | 'shrink'>): number {
  let start = firstAverageEpoch(c.average ?? 0, c.epochs);
  if (c.redraw) start = Math.max(start, c.redraw[1]);
  for (const [e] of c.shrink) start = Math.max(start, e);
  return Math.max(0, Math.min(start, c.epochs - 1));
}

/**
 * Running sums of the averaged arrays: the gate parameters, and with candidates their logits
 * (the gate-layer trainer passes st.logits, st.clogA, st.clogB; the conv trainer its logits).
 * `arrays` is asked each time, so arrays a trainer re-allocates are still the ones summed.
 */
export class ParamAverage {
  readonly sums: Float32Array[];
  /** Epoch ends summed so far. */
  count = 0;

  constructor(
    private readonly arrays: () => Float32Array[],
    /** The first epoch (0-based) whose end is summed. */
    public from: number,
  ) {
    this.sums = arrays().map((a) => new Float32Array(a.length));
  }

  /** Adds the arrays' values at the end of epoch `epoch` (0-based), if it is in the window. */
  add(epoch: number): void {
    if (epoch < this.from) return;
    this.arrays().forEach((a, i) => {
      const s = this.sums[i];
      for (let j = 0; j < a.length; j++) s[j] += a[j];
    });
    this.count++;
  }

  /** Replaces the arrays' values by the means; false (arrays unchanged) when nothing was summed. */
  apply(): boolean {
    if (this.count === 0) return false;
    this.arrays().forEach((a, i) => {
      const s = this.sums[i];
      for (let j = 0; j < a.length; j++) a[j] = s[j] / this.count;
    });
    return true;
  }

  /** What a checkpoint's header keeps beside the sums, and takes back on resume. */
  header(): { averageFrom: number; averaged: number } {
    return { averageFrom: this.from, averaged: this.count };
  }

  /** On resume: sums already begun keep their window (a resume with more --epochs does not move it). */
  resume(h: { averageFrom?: number; averaged?: number }): void {
    if (!h.averaged) return;
    this.from = h.averageFrom ?? this.from;
    this.count = h.averaged;
  }
}
