// `loadDataset(name, options)`: the one entry point for datasets. Names:
//   mnist, fashion-mnist, monk1, monk2, monk3, csv:PATH
// Loaded datasets are cached in binary form (cache.ts) except the MONK's problems, which
// are generated in microseconds. `limit` keeps the first N samples of each split.

import { UserError } from '../util/errors.js';
import { cachePath, readCache, writeCache } from './cache.js';
import { loadCsv, type CsvOptions } from './csv.js';
import { headOf, type Dataset } from './dataset.js';
import { FASHION_DIR, loadFashionMnist, loadMnist, mnistDir } from './images.js';
import { loadMonk } from './monk.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const DATASET_NAMES = ['mnist', 'fashion-mnist', 'monk1', 'monk2', 'monk3', 'csv:PATH'];

export interface LoadOptions {
  /** Keep at most this many samples of each split. */
  limit?: number;
  /** CSV options (label column, test file or fraction). */
  csv?: CsvOptions;
  /** Use the binary cache (default true). */
  cache?: boolean;
}

function sourcesOf(name: string, o: LoadOptions): string[] {
  const idx = (dir: string) =>
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']
      .map((b) => (existsSync(join(dir, b)) ? join(dir, b) : join(dir, b + '.gz')))
      .filter(existsSync);
  if (name === 'mnist') return idx(mnistDir());
  if (name === 'fashion-mnist') return idx(FASHION_DIR);
  const path = name.slice(4);
  return [path, ...(o.csv?.testFile ? [o.csv.testFile] : [])].filter(existsSync);
}

function loadUncached(name: string, o: LoadOptions): Dataset {
  if (name === 'mnist') return loadMnist();
  if (name === 'fashion-mnist') return loadFashionMnist();
  if (name.startsWith('csv:') && name.length > 4) return loadCsv(name.slice(4), o.csv);
  throw new UserError(`unknown dataset "${name}": use one of ${DATASET_NAMES.join(', ')}.`);
}

export function loadDataset(name: string, o: LoadOptions = {}): Dataset {
  if (o.limit !== undefined && !(Number.isInteger(o.limit) && o.limit >= 1)) {
    throw new UserError(`--limit ${o.limit}: must be a whole number of samples >= 1.`);
  }
  let d: Dataset;
  const monk = /^monk([123])$/.exec(name);
  if (monk) d = loadMonk(Number(monk[1]) as 1 | 2 | 3);
  else {
    const known = name === 'mnist' || name === 'fashion-mnist' || (name.startsWith('csv:') && name.length > 4);
    if (!known) throw new UserError(`unknown dataset "${name}": use one of ${DATASET_NAMES.join(', ')}.`);
    const sources = o.cache === false ? [] : sourcesOf(name, o);
    const path = sources.length ? cachePath(name, o.csv ?? null, sources) : null;
    const cached = path ? readCache(path) : null;
    if (cached) d = cached;
    else {
      d = loadUncached(name, o);
      if (path) {
        try {
          writeCache(path, d);
        } catch {
          // A cache that cannot be written only costs time; the data is loaded.
        }
      }
    }
  }
  if (o.limit !== undefined) d = { ...d, train: headOf(d.train, d.features, o.limit), test: headOf(d.test, d.features, o.limit) };
  return d;
}
