// import/pickle.ts — a restricted reader for the pickle inside a PyTorch checkpoint.
// It is an interpreter for a small subset of the pickle machine: numbers, strings, bytes,
// tuples, lists, dicts, memo, persistent ids (tensor storages), and calls to an allow-list of
// five tensor/dict constructors, which it evaluates itself into plain data (it never looks up
// or calls anything by name). Any other global (os.system, builtins.eval, a model class …)
// is refused at the GLOBAL opcode, before anything could use it, as is any opcode outside
// the subset. Guarantees: no code from the file runs; the loop is iterative (no recursion on
// nesting depth) and every read is bounds-checked, so a hostile or damaged pickle ends in a
// PickleError (a UserError, exit 2) — never a crash, never a hang.

import { UserError } from '../util/errors.js';

export class PickleError extends UserError {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'PickleError';
  }
}

/** A Python value as this reader represents it. Lists are JS arrays; tuples are Tuple. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | Tuple
  | Dict
  | Global
  | StorageRef
  | TensorRef;

export class Tuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict or OrderedDict: insertion-ordered keys; lookups by string or number key. */
export class Dict {
  readonly keys: PyValue[] = [];
  readonly values: PyValue[] = [];
  /** Attributes set by BUILD (an OrderedDict's `_metadata`); kept, never interpreted. */
  state: PyValue = null;
  /** Position of each string/number key, so a dict of n entries builds in O(n). */
  private readonly index = new Map<string | number, number>();
  set(k: PyValue, v: PyValue): void {
    const i = typeof k === 'string' || typeof k === 'number' ? this.index.get(k) : undefined;
    if (i !== undefined) {
      this.values[i] = v;
      return;
    }
    if (typeof k === 'string' || typeof k === 'number') this.index.set(k, this.keys.length);
    this.keys.push(k);
    this.values.push(v);
  }
  get(k: string | number): PyValue | undefined {
    const i = this.index.get(k);
    return i === undefined ? undefined : this.values[i];
  }
}

/** One of the allowed globals (see ALLOWED). */
export class Global {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A tensor storage named by a persistent id: its bytes are the archive entry data/<key>. */
export class StorageRef {
  constructor(
    readonly dtype: DType,
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/** A tensor view into a storage (what torch._utils._rebuild_tensor_v2 would build). */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

export type DType = 'float64' | 'float32' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/** torch.<X>Storage → element type. */
export const STORAGE_DTYPES: Record<string, DType> = {
  DoubleStorage: 'float64',
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

const REBUILD_TENSOR = 'torch._utils._rebuild_tensor_v2';
const REBUILD_PARAMETER = 'torch._utils._rebuild_parameter';
const REBUILD_PARAMETER_STATE = 'torch._utils._rebuild_parameter_with_state';
const REBUILD_FROM_TYPE = 'torch._tensor._rebuild_from_type_v2';
const ORDERED_DICT = 'collections.OrderedDict';

/** Every global a checkpoint may name. Anything else is refused where it appears. */
const ALLOWED = new Set<string>([
  REBUILD_TENSOR,
  REBUILD_PARAMETER,
  REBUILD_PARAMETER_STATE,
  REBUILD_FROM_TYPE,
  ORDERED_DICT,
  'torch.Size',
  'torch.Tensor',
  'torch.nn.parameter.Parameter',
  ...Object.keys(STORAGE_DTYPES).map((s) => `torch.${s}`),
]);

const OPCODE_NAMES: Record<number, string> = {
  0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x52: 'REDUCE', 0x62: 'BUILD', 0x69: 'INST', 0x6f: 'OBJ',
  0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX', 0x50: 'PERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x70: 'PUT', 0x67: 'GET',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
};

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

export interface PersistentLoader {
  (pid: PyValue): PyValue;
}

/**
 * Runs the pickle in `data`. `persistentLoad` turns a persistent id into a value (the
 * checkpoint reader maps ('storage', type, key, location, numel) to a StorageRef).
 */
export function readPickle(data: Uint8Array, source: string, persistentLoad: PersistentLoader): PyValue {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: Slot[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();
  let pos = 0;
  let opAt = 0;

  const fail = (problem: string): never => {
    throw new PickleError(source, `${problem} (pickle byte ${opAt})`);
  };
  const refuse = (what: string): never =>
    fail(`refused to load: the pickle ${what}. lgnc reads only tensors, dicts, lists and numbers from a checkpoint and never runs code from one; save model.state_dict() (see "lgnc import --help")`);
  const need = (n: number) => {
    if (pos + n > data.length) fail('truncated pickle: it ends in the middle of an opcode');
  };
  const u8 = () => {
    need(1);
    return data[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const bytes = (n: number) => {
    if (!Number.isSafeInteger(n) || n < 0) fail(`bad length ${n}`);
    need(n);
    const b = data.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const utf8 = (n: number) => {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes(n));
    } catch (err) {
      if (err instanceof PickleError) throw err;
      return fail('a string is not valid UTF-8');
    }
  };
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('truncated pickle: a GLOBAL name has no end of line');
    const s = new TextDecoder('utf-8').decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('corrupt pickle: stack underflow');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('corrupt pickle: stack underflow');
    return stack[stack.length - 1] as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail('corrupt pickle: no MARK for a mark-delimited opcode');
    return stack.splice(m) as PyValue[];
  };
  const global = (module: string, name: string): Global => {
    const q = `${module}.${name}`;
    if (!ALLOWED.has(q)) {
      refuse(`names the Python global ${q}${/^(torch|collections)\b/.test(module) ? '' : ', which a plain state_dict never needs'}`);
    }
    return new Global(module, name);
  };
  const memoGet = (i: number): PyValue => {
    if (!memo.has(i)) fail(`corrupt pickle: memo entry ${i} is read before it is written`);
    return memo.get(i)!;
  };
  const reduce = (fn: PyValue, args: PyValue): PyValue => {
    if (!(fn instanceof Global)) return refuse('calls something that is not an allowed function');
    if (!(args instanceof Tuple)) return fail(`corrupt pickle: arguments of ${fn.qualified} are not a tuple`);
    return callAllowed(fn, args.items, source, fail);
  };

  for (;;) {
    opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: { // PROTO
        const v = u8();
        if (v > 5) fail(`pickle protocol ${v} is newer than any Python writes`);
        break;
      }
      case 0x95: bytes(8); break; // FRAME: a length hint only
      case 0x2e: { // STOP
        const result = pop();
        if (stack.length !== 0) fail('corrupt pickle: values left on the stack at STOP');
        return result;
      }
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: { // BININT
        need(4);
        stack.push(view.getInt32(pos, true));
        pos += 4;
        break;
      }
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(longLE(bytes(u8()))); break; // LONG1
      case 0x8b: stack.push(longLE(bytes(u32()))); break; // LONG4
      case 0x47: { // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: stack.push(utf8(u32())); break; // BINUNICODE
      case 0x8c: stack.push(utf8(u8())); break; // SHORT_BINUNICODE
      case 0x8d: { // BINUNICODE8
        need(8);
        const n = Number(view.getBigUint64(pos, true));
        pos += 8;
        stack.push(utf8(n));
        break;
      }
      case 0x42: stack.push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x29: stack.push(new Tuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(new Tuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new Tuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(new Tuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new Tuple([pop(), b, c]));
        break;
      }
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { // APPEND
        const v = pop();
        asList(top(), fail).push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const list = asList(top(), fail);
        for (const it of items) list.push(it); // no spread: a list may hold millions of items
        break;
      }
      case 0x7d: stack.push(new Dict()); break; // EMPTY_DICT
      case 0x64: { // DICT
        const items = popMark();
        if (items.length % 2) fail('corrupt pickle: DICT with an odd number of items');
        const d = new Dict();
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        asDict(top(), fail).set(k, v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        if (items.length % 2) fail('corrupt pickle: SETITEMS with an odd number of items');
        const d = asDict(top(), fail);
        for (let i = 0; i < items.length; i += 2) d.set(items[i], items[i + 1]);
        break;
      }
      case 0x63: { // GLOBAL "module\nname\n"
        const module = line();
        stack.push(global(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('corrupt pickle: STACK_GLOBAL needs two strings');
        stack.push(global(module as string, name as string));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        stack.push(reduce(pop(), args));
        break;
      }
      case 0x62: { // BUILD: set state on an object; only dicts and tensors, state kept as data
        const state = pop();
        const obj = top();
        if (obj instanceof Dict) obj.state = state;
        else if (!(obj instanceof TensorRef)) refuse('sets state on an object that is not a dict or tensor (BUILD)');
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: stack.push(memoGet(u8())); break; // BINGET
      case 0x6a: stack.push(memoGet(u32())); break; // LONG_BINGET
      default: {
        const name = OPCODE_NAMES[op];
        if (name) refuse(`uses opcode ${name}, which a checkpoint of tensors never needs`);
        fail(`corrupt pickle: unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }
}

function asList(v: PyValue, fail: (p: string) => never): PyValue[] {
  if (!Array.isArray(v)) fail('corrupt pickle: APPEND to something that is not a list');
  return v as PyValue[];
}

function asDict(v: PyValue, fail: (p: string) => never): Dict {
  if (!(v instanceof Dict)) fail('corrupt pickle: SETITEM on something that is not a dict');
  return v as Dict;
}

/** Two's-complement little-endian integer (LONG1/LONG4); a number when exact, else a bigint. */
function longLE(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  if (b.length > 64) return Number.NaN; // absurd for a checkpoint; used nowhere as a size
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** Evaluates one allowed call into plain data; every argument is type-checked. */
function callAllowed(fn: Global, args: PyValue[], source: string, fail: (p: string) => never): PyValue {
  switch (fn.qualified) {
    case ORDERED_DICT: {
      const d = new Dict();
      if (args.length === 1 && Array.isArray(args[0])) {
        for (const kv of args[0]) {
          if (!(kv instanceof Tuple) || kv.items.length !== 2) fail('corrupt pickle: OrderedDict items are not pairs');
          d.set((kv as Tuple).items[0], (kv as Tuple).items[1]);
        }
      } else if (args.length !== 0) fail('corrupt pickle: unexpected OrderedDict arguments');
      return d;
    }
    case 'torch.Size':
      if (args.length !== 1 || !(args[0] instanceof Tuple)) fail('corrupt pickle: torch.Size needs one tuple');
      return args[0];
    case REBUILD_TENSOR: {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (args.length < 4) fail(`corrupt pickle: ${REBUILD_TENSOR} needs at least 4 arguments`);
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof StorageRef)) return fail('corrupt pickle: a tensor is not backed by a storage');
      const shape = intTuple(size, 'size', fail);
      const strides = intTuple(stride, 'stride', fail);
      if (strides.length !== shape.length) fail(`corrupt pickle: a tensor has ${shape.length} sizes but ${strides.length} strides`);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) fail('corrupt pickle: bad tensor storage offset');
      return new TensorRef(storage, offset as number, shape, strides);
    }
    case REBUILD_PARAMETER:
    case REBUILD_PARAMETER_STATE:
      if (!(args[0] instanceof TensorRef)) fail(`corrupt pickle: ${fn.qualified} needs a tensor`);
      return args[0];
    case REBUILD_FROM_TYPE: {
      // (func, type, args, state): only the plain tensor rebuild, for Tensor or Parameter.
      const [f, type, inner] = args;
      if (!(f instanceof Global) || f.qualified !== REBUILD_TENSOR) fail(`refused to load: ${REBUILD_FROM_TYPE} with a function other than ${REBUILD_TENSOR}`);
      if (!(type instanceof Global) || !['torch.Tensor', 'torch.nn.parameter.Parameter'].includes(type.qualified)) {
        fail(`refused to load: a tensor of a custom subclass`);
      }
      if (!(inner instanceof Tuple)) fail('corrupt pickle: tensor rebuild arguments are not a tuple');
      return callAllowed(f as Global, (inner as Tuple).items, source, fail);
    }
    default:
      // Storage types and torch.Tensor are names to be passed around, not functions to call.
      return fail(`refused to load: the pickle calls ${fn.qualified}, which lgnc does not call`);
  }
}

function intTuple(v: PyValue, what: string, fail: (p: string) => never): number[] {
  if (!(v instanceof Tuple)) return fail(`corrupt pickle: tensor ${what} is not a tuple`);
  return v.items.map((x) => {
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(`corrupt pickle: tensor ${what} has a bad entry ${String(x)}`);
    return x as number;
  });
}
