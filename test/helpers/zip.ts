// A minimal ZIP writer and reader for the import tests: checkpoints rebuilt with changed
// entries (CRCs fixed up, so damage reaches the pickle reader), stored or deflated, ZIP64.

import { deflateRawSync } from 'node:zlib';
import { crc32, openZip } from '../../src/import/zip.js';

export interface Entry {
  name: string;
  data: Uint8Array;
}

/** A minimal ZIP writer for the tests: stored or deflated entries, optionally ZIP64 records. */
export function makeZip(entries: Entry[], opts: { deflate?: boolean; zip64?: boolean; align?: boolean } = {}): Uint8Array {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let off = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = opts.deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(opts.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    // torch 2.x pads the local extra field ("FB" records) so each storage starts 64-byte aligned.
    const pad = opts.align ? (64 - ((off + 30 + name.length + 4) % 64)) % 64 : 0;
    const localExtra = Buffer.alloc(opts.align ? 4 + pad : 0);
    if (opts.align) {
      localExtra.writeUInt16LE(0x4246, 0);
      localExtra.writeUInt16LE(pad, 2);
    }
    local.writeUInt16LE(localExtra.length, 28);
    const extra = opts.zip64 ? Buffer.alloc(28) : Buffer.alloc(0);
    if (opts.zip64) {
      extra.writeUInt16LE(1, 0);
      extra.writeUInt16LE(24, 2);
      extra.writeBigUInt64LE(BigInt(e.data.length), 4);
      extra.writeBigUInt64LE(BigInt(body.length), 12);
      extra.writeBigUInt64LE(BigInt(off), 20);
    }
    const cd = Buffer.alloc(46);
    cd.writeUInt32LE(0x02014b50, 0);
    cd.writeUInt16LE(opts.deflate ? 8 : 0, 10);
    cd.writeUInt32LE(crc32(e.data), 16);
    cd.writeUInt32LE(opts.zip64 ? 0xffffffff : body.length, 20);
    cd.writeUInt32LE(opts.zip64 ? 0xffffffff : e.data.length, 24);
    cd.writeUInt16LE(name.length, 28);
    cd.writeUInt16LE(extra.length, 30);
    cd.writeUInt32LE(opts.zip64 ? 0xffffffff : off, 42);
    central.push(cd, name, extra);
    parts.push(local, name, localExtra, body);
    off += local.length + name.length + localExtra.length + body.length;
  }
  const cdBuf = Buffer.concat(central);
  const tail: Buffer[] = [];
  if (opts.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeBigUInt64LE(BigInt(entries.length), 24);
    rec.writeBigUInt64LE(BigInt(entries.length), 32);
    rec.writeBigUInt64LE(BigInt(cdBuf.length), 40);
    rec.writeBigUInt64LE(BigInt(off), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(off + cdBuf.length), 8);
    loc.writeUInt32LE(1, 16);
    tail.push(rec, loc);
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : entries.length, 8);
  eocd.writeUInt16LE(opts.zip64 ? 0xffff : entries.length, 10);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : cdBuf.length, 12);
  eocd.writeUInt32LE(opts.zip64 ? 0xffffffff : off, 16);
  return new Uint8Array(Buffer.concat([...parts, cdBuf, ...tail, eocd]));
}

/** The fixture's entries, re-read through openZip. */
export function entriesOf(bytes: Uint8Array): Entry[] {
  const z = openZip(bytes, 'x');
  return [...z.entries.keys()].map((name) => ({ name, data: z.read(name) }));
}

