// The checkpoint reader on its own: a damaged or hostile file always ends in a UserError
// (never another exception, never a hang), deflated and ZIP64 archives read like stored ones,
// and tensors decode from any dtype, stride and offset.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeTensor, halfToFloat, loadCheckpoint } from '../../src/import/checkpoint.js';
import { importCheckpoint } from '../../src/import/index.js';
import { StorageRef, TensorRef } from '../../src/import/pickle.js';
import { crc32, openZip } from '../../src/import/zip.js';
import { makeZip, type Entry } from './torch-writer.js';
import { mulberry32 } from '../../src/netlist/vectors.js';
import { UserError } from '../../src/util/errors.js';
import { fixture } from '../helpers/cli.js';

const DIR = fixture('checkpoints');
const TRAINED = new Uint8Array(readFileSync(join(DIR, 'difflogic-trained.pt')));
const OPTS = { name: 'm' };

/** Runs the whole import; returns 'ok' or the UserError message, rethrows anything else. */
function outcome(bytes: Uint8Array): string {
  try {
    importCheckpoint(bytes, 'x.pt', OPTS);
    return 'ok';
  } catch (err) {
    if (err instanceof UserError && err.exitCode === 2) return err.message;
    throw err;
  }
}

/** The fixture's entries, re-read through openZip. */
function entriesOf(bytes: Uint8Array): Entry[] {
  const z = openZip(bytes, 'x');
  return [...z.entries.keys()].map((name) => ({ name, data: z.read(name) }));
}

describe('zip reader', () => {
  it('reads deflated, ZIP64 and 64-byte-aligned archives to the same netlist as the stored original', () => {
    const ref = importCheckpoint(TRAINED, 'x.pt', OPTS).netlist;
    const entries = entriesOf(TRAINED);
    for (const opts of [{ deflate: true }, { zip64: true }, { deflate: true, zip64: true }, { align: true }]) {
      expect(importCheckpoint(makeZip(entries, opts), 'x.pt', OPTS).netlist).toEqual(ref);
    }
  });

  it('crc32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('a truncated archive, cut anywhere, is a UserError', () => {
    for (let n = 0; n < TRAINED.length; n += 97) expect(outcome(TRAINED.subarray(0, n))).not.toBe('ok');
  });
});

describe('robustness: random damage never crashes the reader', () => {
  it('800 files with random bytes changed each give a netlist or a UserError', () => {
    const rand = mulberry32(8);
    const kinds = new Set<string>();
    for (let t = 0; t < 800; t++) {
      const b = TRAINED.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      kinds.add(outcome(b).replace(/\(.*$/, '').slice(0, 40));
    }
    expect(kinds.size).toBeGreaterThan(1);
  });

  it('pickles with random bytes changed (archive CRCs fixed up) give a netlist or a UserError', () => {
    const rand = mulberry32(9);
    const entries = entriesOf(TRAINED);
    const pkl = entries.find((e) => e.name.endsWith('data.pkl'))!;
    for (let t = 0; t < 600; t++) {
      const data = pkl.data.slice();
      const flips = 1 + Math.floor(rand() * 3);
      for (let k = 0; k < flips; k++) data[Math.floor(rand() * data.length)] = Math.floor(rand() * 256);
      outcome(makeZip(entries.map((e) => (e === pkl ? { name: e.name, data } : e))));
    }
  });
});

describe('hostile sizes stay fast and bounded', () => {
  const pickleZip = (pkl: number[] | Uint8Array) => makeZip([{ name: 'archive/data.pkl', data: Uint8Array.from(pkl) }]);

  it('a list of 300k items and a dict of 100k keys are read in linear time', () => {
    const list = [0x80, 2, 0x5d, 0x28, ...new Array(300_000).fill(0x4e), 0x65, 0x2e]; // [None] * 300k
    const t0 = performance.now();
    expect(outcome(pickleZip(list))).toMatch(/holds a list, not a dict/);
    const dict: number[] = [0x80, 2, 0x7d, 0x28];
    for (let i = 0; i < 100_000; i++) dict.push(0x4a, i & 255, (i >> 8) & 255, i >> 16, 0, 0x4e); // {i: None}
    dict.push(0x75, 0x2e);
    expect(outcome(pickleZip(dict))).toMatch(/no gate layers found/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('a tensor claiming more elements than its storage (stride 0) is refused', () => {
    const entries = entriesOf(TRAINED);
    const pkl = entries.find((e) => e.name.endsWith('data.pkl'))!;
    // The first weights tensor: size (64, 16), stride (16, 1) → size (255, 16), stride (0, 0),
    // a broadcast view 4× larger than its storage.
    const text = Buffer.from(pkl.data);
    const at = text.indexOf(Buffer.from([0x4b, 0x40, 0x4b, 0x10, 0x86, 0x71]));
    expect(at).toBeGreaterThan(0);
    const stride = text.indexOf(Buffer.from([0x4b, 0x10, 0x4b, 0x01, 0x86]), at);
    expect(stride).toBeGreaterThan(at);
    const data = Uint8Array.from(text);
    data[at + 1] = 255;
    data[stride + 1] = 0;
    data[stride + 3] = 0;
    expect(outcome(makeZip(entries.map((e) => (e === pkl ? { name: e.name, data } : e))))).toMatch(/more elements than its storage holds/);
  });
});

describe('tensor decoding', () => {
  const le = (arr: Float32Array | BigInt64Array | Uint16Array) => new Uint8Array(arr.buffer);

  it('follows strides and storage offset (a transposed view) in row-major order', () => {
    const bytes = le(Float32Array.from([9, 0, 1, 2, 3, 4, 5]));
    const t = new TensorRef(new StorageRef('float32', '0', 'cpu', 7), 1, [3, 2], [1, 3]);
    expect(Array.from(decodeTensor(t, bytes, true, 'w'))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it('reads int64, big-endian data, half and bfloat16', () => {
    const i64 = new TensorRef(new StorageRef('int64', '0', 'cpu', 3), 0, [3], [1]);
    expect(Array.from(decodeTensor(i64, le(BigInt64Array.from([5n, -1n, 7n])), true, 'i'))).toEqual([5, -1, 7]);
    const be = new Uint8Array(8);
    new DataView(be.buffer).setFloat32(0, 1.5, false);
    new DataView(be.buffer).setFloat32(4, -2, false);
    expect(Array.from(decodeTensor(new TensorRef(new StorageRef('float32', '0', 'cpu', 2), 0, [2], [1]), be, false, 'b'))).toEqual([1.5, -2]);
    expect([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00].map(halfToFloat)).toEqual([1, -2, 0.333251953125, 2 ** -24, Infinity]);
    const bf = new TensorRef(new StorageRef('bfloat16', '0', 'cpu', 2), 0, [2], [1]);
    expect(Array.from(decodeTensor(bf, le(Uint16Array.from([0x3f80, 0xc040])), true, 'bf'))).toEqual([1, -3]);
  });

  it('refuses a view that reaches outside its storage', () => {
    const t = new TensorRef(new StorageRef('float32', '0', 'cpu', 4), 2, [2, 2], [2, 1]);
    expect(() => decodeTensor(t, new Uint8Array(16), true, 'w')).toThrow(/reaches element 5 of a storage with 4 elements/);
  });

  it('loads the fixture pickle: a dict with the state dict, indices and plain numbers', () => {
    const ck = loadCheckpoint(TRAINED, 'x.pt');
    expect(ck.root).toBeTruthy();
    const r = importCheckpoint(TRAINED, 'x.pt', OPTS);
    expect(r.report.layers).toEqual([{ key: '1.weights', gates: 64 }, { key: '2.weights', gates: 64 }, { key: '3.weights', gates: 40 }]);
  });
});
