// The dataset type every loader returns: raw features (sample-major) and integer labels,
// split into train and test. Loaders live one per file (idx.ts, monk.ts, csv.ts); this
// file only names the shape and the helpers that cut a split down (`--limit`).

/** Raw features, sample-major: feature f of sample s is x[s * features + f]. */
export type FeatureArray = Float32Array | Uint8Array;

export interface Split {
  count: number;
  x: FeatureArray;
  /** Class index per sample, 0..classes-1. */
  y: Int32Array;
}

export interface Dataset {
  /** The name it was loaded by (`mnist`, `monk1`, `csv:PATH`, ...). */
  name: string;
  features: number;
  classes: number;
  /** Class names when the source has them (CSV labels), else undefined. */
  classNames?: string[];
  train: Split;
  test: Split;
  /** Known range of every feature (pixels: [0, 255]); `uniform:K` spreads thresholds over it. */
  range?: [number, number];
  /** The encoding `lgnc train` uses when none is given. */
  defaultEncoding: string;
  /** Where the data came from, for `meta` and messages. */
  source: string;
}

/** The first n samples of a split (a view, no copy). */
export function headOf(split: Split, features: number, n: number): Split {
  if (n >= split.count) return split;
  return { count: n, x: split.x.subarray(0, n * features), y: split.y.subarray(0, n) };
}

/** Samples per class, for summaries and tests. */
export function classCounts(split: Split, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let s = 0; s < split.count; s++) counts[split.y[s]]++;
  return counts;
}
