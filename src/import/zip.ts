// import/zip.ts — reads the entries of a ZIP archive held in memory (what `torch.save` writes
// since PyTorch 1.6: a pickle plus one raw file per tensor storage).
// Guarantees: every offset and length is bounds-checked against the buffer before use; entries
// are found through the central directory (ZIP64 included); stored and deflated entries are
// supported; every entry read is checked against its CRC-32. A truncated or corrupt archive
// gives a ZipError (a UserError, exit 2) naming what is wrong — never an exception from a
// Buffer read, never a hang. Nothing is written and nothing is executed.

import { inflateRawSync } from 'node:zlib';
import { UserError } from '../util/errors.js';

export class ZipError extends UserError {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ZipError';
  }
}

export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  method: number;
  compressedSize: number;
  size: number;
  crc32: number;
  localHeaderOffset: number;
}

export interface ZipArchive {
  source: string;
  entries: Map<string, ZipEntry>;
  /** The entry's bytes (a view into the archive when stored), CRC-checked. */
  read(name: string): Uint8Array;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
/** Deflated entries larger than this are refused (a zip bomb; torch.save stores entries uncompressed). */
const MAX_INFLATED_BYTES = 2 ** 30;

/** Opens an archive held in `buf`; `source` names it in errors (the file path). */
export function openZip(buf: Uint8Array, source: string): ZipArchive {
  const fail = (problem: string): never => {
    throw new ZipError(source, problem);
  };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = (off: number, len: number, what: string) => {
    if (!Number.isSafeInteger(off) || off < 0 || off + len > buf.length) {
      fail(`truncated or corrupt archive: ${what} lies outside the file (offset ${off}, ${len} bytes, file has ${buf.length}). Re-save the checkpoint with torch.save.`);
    }
  };
  const u16 = (off: number) => view.getUint16(off, true);
  const u32 = (off: number) => view.getUint32(off, true);
  const u64 = (off: number, what: string) => {
    const v = view.getBigUint64(off, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`corrupt archive: ${what} is ${v}, too large`);
    return Number(v);
  };

  const eocd = findEocd(buf, view);
  if (eocd < 0) {
    fail(isZipStart(buf)
      ? 'truncated archive: the ZIP end-of-central-directory record is missing (the file was cut short?). Re-save it with torch.save.'
      : `not a PyTorch checkpoint archive (no ZIP signature). lgnc reads checkpoints written by torch.save in its default (zip) format${legacyHint(buf)}.`);
  }
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  // ZIP64: the 32-bit fields are saturated and the real values sit in the ZIP64 record.
  if (eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR_SIG) {
    const rec = u64(eocd - 20 + 8, 'ZIP64 record offset');
    need(rec, 56, 'the ZIP64 end-of-central-directory record');
    if (u32(rec) !== ZIP64_EOCD_SIG) fail('corrupt archive: bad ZIP64 end-of-central-directory signature');
    count = u64(rec + 32, 'entry count');
    cdSize = u64(rec + 40, 'central directory size');
    cdOffset = u64(rec + 48, 'central directory offset');
  }
  need(cdOffset, cdSize, 'the central directory');

  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    need(p, 46, `central directory entry ${i}`);
    if (u32(p) !== CENTRAL_SIG) fail(`corrupt archive: central directory entry ${i} has a bad signature`);
    const method = u16(p + 10);
    const crc32 = u32(p + 16);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let localHeaderOffset = u32(p + 42);
    need(p + 46, nameLen + extraLen + commentLen, `central directory entry ${i}`);
    const name = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(p + 46, p + 46 + nameLen));
    // ZIP64 extended information: present fields replace the saturated 32-bit ones, in order.
    let x = p + 46 + nameLen;
    const xEnd = x + extraLen;
    while (x + 4 <= xEnd) {
      const id = u16(x);
      const len = u16(x + 2);
      if (x + 4 + len > xEnd) fail(`corrupt archive: entry "${name}" has a malformed extra field`);
      if (id === 0x0001) {
        let q = x + 4;
        const take = (what: string) => {
          if (q + 8 > x + 4 + len) fail(`corrupt archive: entry "${name}" has a short ZIP64 field`);
          const v = u64(q, what);
          q += 8;
          return v;
        };
        if (size === 0xffffffff) size = take('size');
        if (compressedSize === 0xffffffff) compressedSize = take('compressed size');
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = take('header offset');
      }
      x += 4 + len;
    }
    if (entries.has(name)) fail(`corrupt archive: entry "${name}" appears twice`);
    entries.set(name, { name, method, compressedSize, size, crc32, localHeaderOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }

  function read(name: string): Uint8Array {
    const e = entries.get(name);
    if (!e) return fail(`archive has no entry "${name}"`);
    need(e.localHeaderOffset, 30, `the header of "${name}"`);
    if (u32(e.localHeaderOffset) !== LOCAL_SIG) fail(`corrupt archive: entry "${name}" has a bad local header`);
    // The local extra field may differ from the central one (torch pads it to align data).
    const start = e.localHeaderOffset + 30 + u16(e.localHeaderOffset + 26) + u16(e.localHeaderOffset + 28);
    need(start, e.compressedSize, `the data of "${name}"`);
    const raw = buf.subarray(start, start + e.compressedSize);
    let data: Uint8Array;
    if (e.method === 0) {
      if (e.compressedSize !== e.size) fail(`corrupt archive: stored entry "${name}" has sizes ${e.compressedSize} and ${e.size}`);
      data = raw;
    } else if (e.method === 8) {
      if (e.size > MAX_INFLATED_BYTES) fail(`deflated entry "${name}" claims ${e.size} bytes, more than lgnc inflates (1 GiB); re-save with torch.save, which stores entries uncompressed`);
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        return fail(`corrupt archive: entry "${name}" does not inflate (${(err as Error).message})`);
      }
      if (data.length !== e.size) fail(`corrupt archive: entry "${name}" inflates to ${data.length} bytes, expected ${e.size}`);
    } else {
      return fail(`entry "${name}" uses ZIP compression method ${e.method}; only stored (0) and deflate (8) are supported`);
    }
    if (crc32(data) !== e.crc32) fail(`corrupt archive: entry "${name}" fails its CRC-32 check (the file is damaged)`);
    return data;
  }

  return { source, entries, read };
}

/** Offset of the end-of-central-directory record, searching back over a possible comment. */
function findEocd(buf: Uint8Array, view: DataView): number {
  const last = buf.length - 22;
  const first = Math.max(0, last - 0xffff);
  for (let off = last; off >= first; off--) {
    if (view.getUint32(off, true) === EOCD_SIG && off + 22 + view.getUint16(off + 20, true) === buf.length) return off;
  }
  return -1;
}

function isZipStart(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

/** Old (pre-1.6) torch.save files start with a pickle (0x80 = PROTO). */
function legacyHint(buf: Uint8Array): string {
  return buf.length > 0 && buf[0] === 0x80
    ? '; this file looks like the legacy format (_use_new_zipfile_serialization=False): load it in PyTorch and torch.save it again'
    : '';
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE, as in ZIP). */
export function crc32(data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
