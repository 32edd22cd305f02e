// The data stage's public face: datasets and input encodings. Later stages (train, verify
// --dataset, flow) import from here.

export { loadDataset, DATASET_NAMES, type LoadOptions } from './load.js';
export { encode, encodedBits, fitEncoding, parseEncoding, formatEncoding, type EncodingSpec } from './encoding.js';
export type { Dataset, Split, FeatureArray } from './dataset.js';
