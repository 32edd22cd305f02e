// The tests' own writer of torch.save checkpoints (no PyTorch here): a ZIP archive (stored or
// deflated entries, optionally ZIP64 records or torch 2.x's 64-byte alignment) and a pickle of
// dicts, lists, tuples, strings, numbers and tensors as PyTorch writes them
// (torch._utils._rebuild_tensor_v2 over storages named by persistent ids).

import { deflateRawSync } from 'node:zlib';
import { crc32 } from '../../src/import/zip.js';

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


/** A tensor to pickle: row-major values, contiguous. */
export class Tensor {
  constructor(
    readonly dtype: 'float32' | 'int64',
    readonly shape: number[],
    readonly data: ArrayLike<number>,
  ) {
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new Error(`tensor of shape [${shape}] needs ${shape.reduce((a, b) => a * b, 1)} values, got ${data.length}`);
  }
}

/** A Python tuple (plain arrays pickle as lists). */
export class Tup {
  constructor(readonly items: Py[]) {}
}

/** A Python float even when the value is whole (a JS number that is an integer pickles as int). */
export class Float {
  constructor(readonly value: number) {}
}

export type Py = null | boolean | number | string | Float | Tensor | Tup | Py[] | { [key: string]: Py };

/** torch.save(root): the zip archive with archive/data.pkl and one storage per tensor. */
export function torchSave(root: Py): Uint8Array {
  const out: number[] = [];
  const storages: Entry[] = [];
  const byte = (...b: number[]) => out.push(...b);
  const u32 = (n: number) => byte(n & 255, (n >>> 8) & 255, (n >>> 16) & 255, (n >>> 24) & 255);
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    byte(0x58);
    u32(b.length);
    out.push(...b);
  };
  const global = (mod: string, name: string) => {
    byte(0x63);
    out.push(...Buffer.from(`${mod}\n${name}\n`, 'latin1'));
  };
  const int = (n: number) => {
    if (n >= -(2 ** 31) && n < 2 ** 31) {
      byte(0x4a);
      u32(n >>> 0);
    } else {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(n));
      byte(0x8a, 8, ...b);
    }
  };
  const float = (x: number) => {
    const b = Buffer.alloc(8);
    b.writeDoubleBE(x);
    byte(0x47, ...b);
  };
  const value = (v: Py): void => {
    if (v === null) byte(0x4e);
    else if (v === true) byte(0x88);
    else if (v === false) byte(0x89);
    else if (typeof v === 'number') Number.isInteger(v) ? int(v) : float(v);
    else if (typeof v === 'string') str(v);
    else if (v instanceof Float) float(v.value);
    else if (v instanceof Tup) {
      byte(0x28);
      v.items.forEach(value);
      byte(0x74);
    } else if (Array.isArray(v)) {
      byte(0x5d);
      for (const x of v) {
        value(x);
        byte(0x61);
      }
    } else if (v instanceof Tensor) tensor(v);
    else {
      byte(0x7d);
      for (const [k, x] of Object.entries(v)) {
        str(k);
        value(x);
        byte(0x73);
      }
    }
  };
  const tensor = (t: Tensor) => {
    const key = String(storages.length);
    const n = t.data.length;
    const bytes = Buffer.alloc(n * (t.dtype === 'float32' ? 4 : 8));
    for (let i = 0; i < n; i++) {
      if (t.dtype === 'float32') bytes.writeFloatLE(t.data[i], 4 * i);
      else bytes.writeBigInt64LE(BigInt(t.data[i]), 8 * i);
    }
    storages.push({ name: `archive/data/${key}`, data: new Uint8Array(bytes) });
    global('torch._utils', '_rebuild_tensor_v2');
    byte(0x28); // MARK: the argument tuple
    byte(0x28); // persistent id ('storage', torch.<T>Storage, key, 'cpu', numel)
    str('storage');
    global('torch', t.dtype === 'float32' ? 'FloatStorage' : 'LongStorage');
    str(key);
    str('cpu');
    int(n);
    byte(0x74, 0x51); // TUPLE, BINPERSID
    int(0);
    const strides = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    value(new Tup(t.shape));
    value(new Tup(strides));
    byte(0x89); // requires_grad False
    global('collections', 'OrderedDict');
    byte(0x29, 0x52); // EMPTY_TUPLE, REDUCE → OrderedDict()
    byte(0x74, 0x52); // TUPLE, REDUCE → the tensor
  };
  byte(0x80, 2);
  value(root);
  byte(0x2e);
  return makeZip([
    { name: 'archive/data.pkl', data: Uint8Array.from(out) },
    { name: 'archive/byteorder', data: new Uint8Array(Buffer.from('little')) },
    ...storages,
    { name: 'archive/version', data: new Uint8Array(Buffer.from('3\n')) },
  ]);
}
