// Input-vector files, the two formats every command reads and writes:
// - text: one vector per line, a string of '0'/'1' where character i is input bit i;
//   blank lines and lines starting with '#' are skipped.
// - packed binary (.bin): each vector is ceil(N/8) bytes, input bit i at byte i>>3,
//   bit i&7 (least significant first); the file is the vectors back to back, no header.

import { extname } from 'node:path';
import { UserError } from '../util/errors.js';
import { readFileOrFail, writeFileAtomic } from '../util/files.js';
import { allocSlices, getBit, type BitSlices } from './evaluate.js';
import { checkLimit, LIMITS, overLimit } from './limits.js';

export type VectorFormat = 'auto' | 'text' | 'bin';

export function bytesPerVector(inputs: number): number {
  return Math.ceil(inputs / 8);
}

/** Refuses a vector count beyond the limits (see limits.ts) before anything is allocated for it. */
export function checkVectorCount(inputs: number, count: number, what: string): void {
  checkLimit(count, 'vectors', what, 'check fewer vectors at a time');
  if (inputs * count > LIMITS.vectorBits) {
    throw new UserError(`${what}: ${count.toLocaleString('en-US')} vectors of ${inputs.toLocaleString('en-US')} bits is ${overLimit('vectorBits')}; check fewer vectors at a time`);
  }
}

export function parseTextVectors(text: string, inputs: number, source = 'vectors'): BitSlices {
  const lines: [number, string][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line !== '' && !line.startsWith('#')) lines.push([i + 1, line]);
  });
  checkVectorCount(inputs, lines.length, source);
  const x = allocSlices(inputs, lines.length);
  lines.forEach(([lineNo, line], s) => {
    if (line.length !== inputs) {
      throw new UserError(`${source}:${lineNo}: vector has ${line.length} bits, the network has ${inputs} inputs: each line must be exactly ${inputs} characters of 0/1`);
    }
    const w = s >>> 5;
    const m = 1 << (s & 31);
    for (let i = 0; i < inputs; i++) {
      const ch = line.charCodeAt(i);
      if (ch === 49) x.data[i * x.words + w] |= m;
      else if (ch !== 48) {
        throw new UserError(`${source}:${lineNo}:${i + 1}: unexpected character ${JSON.stringify(line[i])}: vectors are strings of 0 and 1`);
      }
    }
  });
  return x;
}

/** n packed vectors (the binary format above), as they are in the file. */
export interface PackedVectors {
  packed: Uint8Array;
  count: number;
}

/** Checks that buf holds whole vectors; returns them as they are, not transposed. */
export function packedVectors(buf: Uint8Array, inputs: number, source = 'vectors'): PackedVectors {
  const per = bytesPerVector(inputs);
  if (buf.length % per !== 0) {
    throw new UserError(`${source}: ${buf.length} bytes is not a whole number of vectors: ${inputs} inputs take ${per} bytes per vector. Is the file for another model?`);
  }
  const count = buf.length / per;
  checkVectorCount(inputs, count, source);
  return { packed: buf, count };
}

export function parseBinaryVectors(buf: Uint8Array, inputs: number, source = 'vectors'): BitSlices {
  const per = bytesPerVector(inputs);
  const { count } = packedVectors(buf, inputs, source);
  const x = allocSlices(inputs, count);
  for (let s = 0; s < count; s++) {
    const w = s >>> 5;
    const m = 1 << (s & 31);
    const off = s * per;
    for (let i = 0; i < inputs; i++) {
      if ((buf[off + (i >>> 3)] >>> (i & 7)) & 1) x.data[i * x.words + w] |= m;
    }
  }
  return x;
}

export function formatTextVectors(x: BitSlices): string {
  const lines: string[] = [];
  for (let s = 0; s < x.count; s++) {
    let line = '';
    for (let i = 0; i < x.rows; i++) line += getBit(x, i, s) ? '1' : '0';
    lines.push(line);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export function formatBinaryVectors(x: BitSlices): Uint8Array {
  const per = bytesPerVector(x.rows);
  const buf = new Uint8Array(per * x.count);
  for (let s = 0; s < x.count; s++) {
    for (let i = 0; i < x.rows; i++) if (getBit(x, i, s)) buf[s * per + (i >>> 3)] |= 1 << (i & 7);
  }
  return buf;
}

function looksLikeText(buf: Uint8Array): boolean {
  const n = Math.min(buf.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = buf[i];
    if (c !== 10 && c !== 13 && c !== 9 && (c < 32 || c > 126)) return false;
  }
  return true;
}

/** Reads a vector file; 'auto' picks binary for .bin files and for content that is not text. */
export function readVectors(path: string, inputs: number, format: VectorFormat = 'auto'): BitSlices {
  const x = readVectorsAsStored(path, inputs, format);
  return 'packed' in x ? parseBinaryVectors(x.packed, inputs, path) : x;
}

/** Like readVectors, but a binary file comes back packed, as stored (for compiled backends). */
export function readVectorsAsStored(path: string, inputs: number, format: VectorFormat = 'auto'): BitSlices | PackedVectors {
  const buf = readFileOrFail(path, 'vector file', LIMITS.fileBytes);
  const fmt = format !== 'auto' ? format : extname(path) === '.bin' || !looksLikeText(buf) ? 'bin' : 'text';
  return fmt === 'bin' ? packedVectors(new Uint8Array(buf.buffer, buf.byteOffset, buf.length), inputs, path) : parseTextVectors(buf.toString('utf8'), inputs, path);
}

export function writeVectors(path: string, x: BitSlices, format: 'text' | 'bin' = extname(path) === '.bin' ? 'bin' : 'text'): void {
  writeFileAtomic(path, format === 'bin' ? formatBinaryVectors(x) : formatTextVectors(x));
}

/** Seeded random vectors (for tests, benches and verify). */
export function randomVectors(inputs: number, count: number, seed: number): BitSlices {
  const x = allocSlices(inputs, count);
  const rand = mulberry32(seed);
  for (let i = 0; i < x.data.length; i++) x.data[i] = (rand() * 4294967296) >>> 0;
  // Keep bits past `count` zero, so equal sample sets give equal words.
  const tail = count % 32;
  if (tail) for (let r = 0; r < inputs; r++) x.data[r * x.words + x.words - 1] &= (1 << tail) - 1;
  return x;
}

/** All 2^inputs vectors in counting order (input bit i = bit i of the sample index). */
export function exhaustiveVectors(inputs: number): BitSlices {
  if (inputs > 24) throw new RangeError(`exhaustive vectors for ${inputs} inputs is too many`);
  const count = 2 ** inputs;
  const x = allocSlices(inputs, count);
  for (let s = 0; s < count; s++) {
    for (let i = 0; i < inputs; i++) if ((s >>> i) & 1) x.data[i * x.words + (s >>> 5)] |= 1 << (s & 31);
  }
  return x;
}

/** mulberry32: a small, fast, seedable PRNG; deterministic across platforms. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
