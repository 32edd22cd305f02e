// The tests' own writer of torch.save checkpoints (no PyTorch here): a ZIP archive (stored or
// deflated entries, optionally ZIP64 records or torch 2.x's 64-byte alignment) and a pickle of
// dicts, lists, tuples, strings, numbers and tensors as PyTorch writes them
// (torch._utils._rebuild_tensor_v2 over storages named by persistent ids). The ZIP
// layer is the shared test writer (test/helpers/zip.ts).

import { makeZip, type Entry } from '../helpers/zip.js';

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
