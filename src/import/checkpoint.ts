// import/checkpoint.ts — opens a `torch.save` checkpoint (zip format) without Python: finds
// `<prefix>/data.pkl`, runs it through the restricted pickle reader with storages resolved to
// the archive's `<prefix>/data/<key>` entries, and decodes tensors (any dtype PyTorch stores,
// any strides and storage offset, either byte order) into plain Float64Arrays.
// Guarantees: a tensor view is checked to lie inside its storage before any element is read;
// values come back in row-major (C) order whatever the strides; errors are UserErrors that
// name the checkpoint file.

import { UserError } from '../util/errors.js';
import { openZip, type ZipArchive } from './zip.js';
import { Dict, Global, readPickle, STORAGE_DTYPES, StorageRef, TensorRef, Tuple, type DType, type PyValue } from './pickle.js';

export interface Checkpoint {
  source: string;
  /** The unpickled top-level value (a dict for state_dict-style checkpoints). */
  root: PyValue;
  /** Decodes a tensor into row-major values. */
  values(t: TensorRef, what: string): Float64Array;
}

const ELEMENT_BYTES: Record<DType, number> = {
  float64: 8, float32: 4, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1,
};

/** Loads a checkpoint from its bytes; `source` names it in errors. */
export function loadCheckpoint(buf: Uint8Array, source: string): Checkpoint {
  const zip = openZip(buf, source);
  const pkls = [...zip.entries.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkls.length !== 1) {
    throw new UserError(`${source}: ${pkls.length === 0 ? 'no' : 'more than one'} <name>/data.pkl in the archive: this is a ZIP file but not a torch.save checkpoint`);
  }
  const prefix = pkls[0].slice(0, -'data.pkl'.length);
  const littleEndian = byteOrder(zip, prefix, source);
  const storages = new Map<string, StorageRef>();
  const root = readPickle(zip.read(pkls[0]), source, (pid) => persistentStorage(pid, storages, source));
  const bytesOf = new Map<string, Uint8Array>();

  function values(t: TensorRef, what: string): Float64Array {
    const s = t.storage;
    let bytes = bytesOf.get(s.key);
    if (!bytes) {
      const name = `${prefix}data/${s.key}`;
      if (!zip.entries.has(name)) throw new UserError(`${source}: ${what}: its storage "${name}" is missing from the archive (truncated or edited checkpoint?)`);
      bytes = zip.read(name);
      bytesOf.set(s.key, bytes);
    }
    return decodeTensor(t, bytes, littleEndian, `${source}: ${what}`);
  }
  return { source, root, values };
}

/** `<prefix>byteorder` holds "little" or "big"; absent in older checkpoints, which are little-endian. */
function byteOrder(zip: ZipArchive, prefix: string, source: string): boolean {
  const name = `${prefix}byteorder`;
  if (!zip.entries.has(name)) return true;
  const s = new TextDecoder().decode(zip.read(name)).trim();
  if (s !== 'little' && s !== 'big') throw new UserError(`${source}: unknown byte order "${s}" in ${name}`);
  return s === 'little';
}

/** A persistent id ('storage', torch.<T>Storage, key, location, numel) → its StorageRef. */
function persistentStorage(pid: PyValue, storages: Map<string, StorageRef>, source: string): StorageRef {
  const bad = (why: string): never => {
    throw new UserError(`${source}: corrupt checkpoint: a persistent id ${why}; expected ('storage', torch.<Type>Storage, key, location, numel)`);
  };
  if (!(pid instanceof Tuple) || pid.items.length !== 5) return bad('is not a 5-tuple');
  const [tag, type, key, location, numel] = pid.items;
  if (tag !== 'storage') bad(`has tag ${JSON.stringify(tag)}`);
  if (!(type instanceof Global) || type.module !== 'torch' || !(type.name in STORAGE_DTYPES)) bad('has an unknown storage type');
  if (typeof key !== 'string' || !/^[0-9A-Za-z_]+$/.test(key)) bad('has a bad key');
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) bad('has a bad element count');
  const dtype = STORAGE_DTYPES[(type as Global).name];
  const prev = storages.get(key as string);
  if (prev) {
    if (prev.dtype !== dtype) bad(`reuses storage ${key} with another type`);
    return prev;
  }
  const s = new StorageRef(dtype, key as string, String(location), numel as number);
  storages.set(s.key, s);
  return s;
}

/** Row-major values of a strided view; throws if the view reaches outside its storage. */
export function decodeTensor(t: TensorRef, bytes: Uint8Array, littleEndian: boolean, where: string): Float64Array {
  const { storage, shape, stride, offset } = t;
  const esize = ELEMENT_BYTES[storage.dtype];
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count > 2 ** 31) throw new UserError(`${where}: tensor of shape [${shape.join(', ')}] is too large`);
  const available = Math.floor(bytes.length / esize);
  // A view with more elements than its storage (stride 0) is never in a state dict; refusing
  // it also bounds the memory a hostile file can ask for by the file's own size.
  if (count > available) throw new UserError(`${where}: tensor of shape [${shape.join(', ')}] has more elements than its storage holds (${available}); corrupt or not a state dict`);
  if (count > 0) {
    const last = offset + shape.reduce((acc, n, d) => acc + (n - 1) * stride[d], 0);
    if (last >= available) {
      throw new UserError(`${where}: tensor of shape [${shape.join(', ')}] reaches element ${last} of a storage with ${available} elements (corrupt or truncated checkpoint)`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = reader(storage.dtype, view, littleEndian, where);
  const out = new Float64Array(count);
  const idx = new Array<number>(shape.length).fill(0);
  let src = offset;
  for (let i = 0; i < count; i++) {
    out[i] = read(src * esize);
    // Odometer over the dimensions, last fastest, keeping the strided source index.
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      src += stride[d];
      if (idx[d] < shape[d]) break;
      src -= stride[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

function reader(dtype: DType, v: DataView, le: boolean, where: string): (byteOff: number) => number {
  switch (dtype) {
    case 'float64': return (o) => v.getFloat64(o, le);
    case 'float32': return (o) => v.getFloat32(o, le);
    case 'float16': return (o) => halfToFloat(v.getUint16(o, le));
    case 'bfloat16': return (o) => bf16ToFloat(v.getUint16(o, le));
    case 'int64': return (o) => {
      const x = v.getBigInt64(o, le);
      if (x > BigInt(Number.MAX_SAFE_INTEGER) || x < BigInt(Number.MIN_SAFE_INTEGER)) {
        throw new UserError(`${where}: int64 value ${x} is too large for an index`);
      }
      return Number(x);
    };
    case 'int32': return (o) => v.getInt32(o, le);
    case 'int16': return (o) => v.getInt16(o, le);
    case 'int8': return (o) => v.getInt8(o);
    case 'uint8': return (o) => v.getUint8(o);
    case 'bool': return (o) => (v.getUint8(o) ? 1 : 0);
  }
}

/** IEEE 754 binary16 → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** bfloat16 (the top half of a float32) → number. */
function bf16ToFloat(h: number): number {
  const f = new DataView(new ArrayBuffer(4));
  f.setUint32(0, h << 16);
  return f.getFloat32(0);
}

export { Dict, TensorRef, Tuple };
export type { PyValue };
