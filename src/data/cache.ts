// A compact binary cache of loaded datasets, so gzipped IDX files and large CSVs are parsed
// once. One file per dataset and source version under the cache folder ($LGNC_CACHE_DIR, or
// <os tmpdir>/lgnc-cache): the key hashes the dataset name, its options and each source
// file's path, size and modification time, so an edited source is simply read again.
// Layout: "LGND1\n", uint32 LE header length, JSON header, zero padding to a multiple of 4,
// then train x, train y (int32), test x, test y. Written atomically; a file that does not
// parse is ignored (and rewritten), never trusted.

import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/files.js';
import type { Dataset, FeatureArray, Split } from './dataset.js';

const MAGIC = 'LGND1\n';
/** Bump when the Dataset fields change, so older cache files are not used. */
const CACHE_VERSION = 2;

export function cacheDir(): string {
  return process.env.LGNC_CACHE_DIR || join(tmpdir(), 'lgnc-cache');
}

/** Cache file for a dataset name + options + source files. */
export function cachePath(name: string, options: unknown, sources: string[], dir = cacheDir()): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ name, options, v: CACHE_VERSION }));
  for (const s of sources) {
    const st = statSync(s);
    h.update(`${s}\0${st.size}\0${st.mtimeMs}\0`);
  }
  const safe = name.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(-40);
  return join(dir, `${safe}-${h.digest('hex').slice(0, 16)}.lgnd`);
}

interface Header {
  name: string;
  features: number;
  classes: number;
  classNames?: string[];
  range?: [number, number];
  defaultEncoding: string;
  source: string;
  xType: 'u8' | 'f32';
  train: number;
  test: number;
}

export function writeCache(path: string, d: Dataset): void {
  const xType = d.train.x instanceof Uint8Array ? 'u8' : 'f32';
  const header: Header = {
    name: d.name, features: d.features, classes: d.classes, classNames: d.classNames, range: d.range,
    defaultEncoding: d.defaultEncoding, source: d.source, xType, train: d.train.count, test: d.test.count,
  };
  const hjson = Buffer.from(JSON.stringify(header));
  const head = MAGIC.length + 4 + hjson.length;
  const pad = (4 - (head % 4)) % 4;
  const len = Buffer.alloc(4);
  len.writeUInt32LE(hjson.length);
  const view = (a: FeatureArray | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const pad4 = (n: number) => Buffer.alloc((4 - (n % 4)) % 4);
  // After the header and after every feature block, pad to 4 bytes so each block stays aligned.
  const block = (s: Split) => [view(s.x), pad4(s.x.byteLength), view(s.y)];
  const out = [Buffer.from(MAGIC), len, hjson, Buffer.alloc(pad), ...block(d.train), ...block(d.test)];
  writeFileAtomic(path, Buffer.concat(out));
}

/** The cached dataset, or null when the file is missing or does not parse. */
export function readCache(path: string): Dataset | null {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return null;
  }
  try {
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    const hlen = buf.readUInt32LE(MAGIC.length);
    const h = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hlen)) as Header;
    let off = MAGIC.length + 4 + hlen;
    off += (4 - (off % 4)) % 4;
    // Copy into a fresh, aligned ArrayBuffer: typed views need aligned offsets.
    const ab = new ArrayBuffer(buf.length);
    new Uint8Array(ab).set(buf);
    const align4 = () => (off += (4 - (off % 4)) % 4);
    const take = (count: number): Split => {
      const n = count * h.features;
      let x: FeatureArray;
      if (h.xType === 'u8') {
        x = new Uint8Array(ab, off, n);
        off += n;
      } else {
        align4();
        x = new Float32Array(ab, off, n);
        off += 4 * n;
      }
      align4();
      const y = new Int32Array(ab, off, count);
      off += 4 * count;
      return { count, x, y };
    };
    const train = take(h.train);
    const test = take(h.test);
    if (off !== buf.length) return null;
    return { name: h.name, features: h.features, classes: h.classes, classNames: h.classNames, range: h.range, defaultEncoding: h.defaultEncoding, source: h.source, train, test };
  } catch {
    return null;
  }
}
