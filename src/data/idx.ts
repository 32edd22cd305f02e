// IDX files (the MNIST container format, LeCun et al.): a 4-byte magic (0, 0, type, dims),
// one big-endian uint32 per dimension, then the values. Only unsigned bytes (type 0x08) are
// used by MNIST and Fashion-MNIST. Gzipped files (magic 1f 8b) are inflated first.

import { gunzipSync } from 'node:zlib';
import { UserError } from '../util/errors.js';
import { readFileOrFail } from '../util/files.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an IDX byte buffer (gzipped or not); `source` names the file in errors. */
export function parseIdx(buf: Uint8Array, source: string): IdxArray {
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new UserError(`${source}: gzip data is corrupt (${(err as Error).message}). Re-download or reinstall the dataset.`);
    }
  }
  if (buf.length < 4 || buf[0] !== 0 || buf[1] !== 0) {
    throw new UserError(`${source}: not an IDX file (bad magic number). Expected MNIST-style IDX data.`);
  }
  if (buf[2] !== 0x08) {
    throw new UserError(`${source}: IDX value type 0x${buf[2].toString(16)} is not supported; only unsigned bytes (0x08) are.`);
  }
  const nd = buf[3];
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (nd < 1 || buf.length < 4 + 4 * nd) throw new UserError(`${source}: IDX header is truncated.`);
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(view.getUint32(4 + 4 * i));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + 4 * nd;
  if (buf.length - start !== size) {
    throw new UserError(`${source}: IDX header says ${dims.join('×')} = ${size} values but the file holds ${buf.length - start}. The file is truncated or corrupt.`);
  }
  return { dims, data: buf.subarray(start, start + size) };
}

export function readIdx(path: string): IdxArray {
  return parseIdx(readFileOrFail(path, 'IDX file'), path);
}
