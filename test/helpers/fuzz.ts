// Seeded, in-process mutation fuzzing for the readers of untrusted files. Each case is made
// from a seed and a case number, run once, and judged: it must either succeed or throw a
// UserError with a message — any other exception is a crash; a case slower than the time
// bound is a hang; a typed array or Array larger than the allocation bound is refused while a
// case runs (the readers' inputs are kilobytes, so anything that big was sized by a hostile
// field). Failures carry the case number and input, so a failing case replays alone. A
// watchdog thread bounds a real hang too: a case stuck for HANG_MS kills the test process
// with a message naming the case (a synchronous loop cannot be interrupted otherwise).

import { Worker } from 'node:worker_threads';
import { mulberry32 } from '../../src/netlist/vectors.js';
import { UserError } from '../../src/util/errors.js';

export type Rand = () => number;

export interface FuzzReport {
  cases: number;
  valid: number;
  refused: number;
  /** Distinct refusal messages (first 60 characters), to show the corpus reaches far. */
  kinds: number;
  slowestMs: number;
  failures: string[];
}

export interface FuzzOptions<T> {
  seed: number;
  cases: number;
  make: (rand: Rand, i: number) => T;
  run: (input: T) => void;
  show: (input: T) => string;
  /** Per-case time bound in milliseconds (default 5 s: generous, the machine is shared). */
  timeMs?: number;
  /** Largest single allocation a case may make. */
  maxAllocBytes?: number;
  /** A case running this long is a hang: the watchdog kills the process (default 60 s). */
  hangMs?: number;
  /** Refusals may span lines (a message that shows a code example). Default: one line. */
  multiLine?: boolean;
}

export class AllocationBound extends Error {}

const HANG_MS = 60_000;

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const beat = new Int32Array(workerData.sab);
let last = -1, since = Date.now();
setInterval(() => {
  const now = Atomics.load(beat, 0);
  if (now !== last) { last = now; since = Date.now(); return; }
  if (Date.now() - since > workerData.ms) {
    process.stderr.write('fuzz watchdog: seed ' + workerData.seed + ' case ' + Atomics.load(beat, 1) + ' has run for over ' + workerData.ms + ' ms: a hang; killing the test process\\n');
    process.kill(process.pid, 'SIGKILL');
  }
}, 250);
`;

/** A thread that kills the process when the heartbeat stops while a case runs; returns [beat, stop]. */
function watchdog(seed: number, ms: number): [(i: number) => void, () => void] {
  const sab = new SharedArrayBuffer(8);
  const beat = new Int32Array(sab);
  const w = new Worker(WATCHDOG, { eval: true, workerData: { sab, ms, seed } });
  w.unref();
  return [(i) => { Atomics.add(beat, 0, 1); Atomics.store(beat, 1, i); }, () => void w.terminate()];
}

export function fuzz<T>(o: FuzzOptions<T>): FuzzReport {
  const rand = mulberry32(o.seed);
  const [beat, stopWatchdog] = watchdog(o.seed, o.hangMs ?? HANG_MS);
  const started = performance.now();
  const report: FuzzReport = { cases: 0, valid: 0, refused: 0, kinds: 0, slowestMs: 0, failures: [] };
  const kinds = new Set<string>();
  const timeMs = o.timeMs ?? 5000;
  for (let i = 0; i < o.cases; i++) {
    const input = o.make(rand, i);
    beat(i);
    const restore = guardAllocations(o.maxAllocBytes ?? 64 << 20);
    const t0 = performance.now();
    let failure: string | null = null;
    try {
      o.run(input);
      report.valid++;
    } catch (err) {
      if (err instanceof UserError && err.message.trim() !== '' && (o.multiLine || !err.message.includes('\n'))) {
        report.refused++;
        kinds.add(err.message.slice(0, 60));
      } else if (err instanceof UserError) failure = `refusal without a one-line message: ${JSON.stringify(err.message)}`;
      else failure = `${err instanceof AllocationBound ? 'allocation beyond the bound' : 'crash'}: ${(err as Error)?.stack?.split('\n').slice(0, 4).join(' | ') ?? String(err)}`;
    } finally {
      restore();
    }
    const ms = performance.now() - t0;
    report.slowestMs = Math.max(report.slowestMs, ms);
    if (!failure && ms > timeMs) failure = `took ${ms.toFixed(0)} ms (bound ${timeMs} ms)`;
    if (failure) report.failures.push(`seed ${o.seed} case ${i}: ${failure}\n  input: ${o.show(input).slice(0, 400)}`);
    report.cases++;
  }
  stopWatchdog();
  report.kinds = kinds.size;
  // LGNC_FUZZ_REPORT=1 prints one line per corpus (the README's table comes from it).
  if (process.env.LGNC_FUZZ_REPORT) console.log(`fuzz seed ${o.seed}: ${report.cases} cases, ${report.valid} valid, ${report.refused} refused (${report.kinds} distinct messages), ${report.failures.length} failures, slowest ${report.slowestMs.toFixed(0)} ms, ${(performance.now() - started).toFixed(0)} ms in all`);
  return report;
}

const TYPED = [
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array',
  'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array', 'ArrayBuffer', 'Array',
] as const;

/** Replaces the global array constructors by proxies that refuse sizes over `limit` bytes. */
function guardAllocations(limit: number): () => void {
  const g = globalThis as unknown as Record<string, any>;
  const saved = TYPED.map((name) => [name, g[name]] as const);
  for (const [name, Orig] of saved) {
    const bytes = name === 'Array' || name === 'ArrayBuffer' ? (name === 'Array' ? 8 : 1) : Orig.BYTES_PER_ELEMENT;
    const check = (args: unknown[]) => {
      if (typeof args[0] === 'number' && args[0] * bytes > limit && (name !== 'Array' || args.length === 1)) {
        throw new AllocationBound(`new ${name}(${args[0]}): ${args[0] * bytes} bytes, over the fuzz bound of ${limit}`);
      }
    };
    g[name] = new Proxy(Orig, {
      construct(target, args, newTarget) {
        check(args);
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget);
      },
      apply(target, self, args) {
        check(args);
        return Reflect.apply(target, self, args);
      },
    });
  }
  return () => {
    for (const [name, Orig] of saved) g[name] = Orig;
  };
}

// ---------------------------------------------------------------------------------------------
// Mutators

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
export const int = (rand: Rand, n: number) => Math.floor(rand() * n);

/** Values that break sizes, types and ranges. */
const HOSTILE: unknown[] = [
  0, -1, 1, 2, 1.5, -0.5, 15, 16, 255, 256, 65535, 65536, 2 ** 20, 2 ** 20 + 1, 2 ** 24 + 1, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e12,
  2 ** 53, 2 ** 53 + 2, 1e308, -1e308, 5e-324, '', '0', '1', 'x', '\n', 'a\u0000b', null, true, false, [], {}, [0], [[]], [-1], { a: 1 },
  'x'.repeat(300),
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path into the value (arrays: at most 6 indices each, so big arrays stay cheap). */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) {
    const n = v.length;
    const idx = n <= 6 ? [...Array(n).keys()] : [0, 1, n >> 1, n - 2, n - 1];
    for (const i of idx) paths(v[i], [...at, i], out);
  } else if (v && typeof v === 'object') for (const k of Object.keys(v)) paths(v[k], [...at, k], out);
  return out;
}

function get(v: Json, p: (string | number)[]): Json {
  return p.reduce<Json>((x, k) => (x as any)[k], v);
}

function set(root: Json, p: (string | number)[], value: Json): Json {
  if (p.length === 0) return value;
  (get(root, p.slice(0, -1)) as any)[p[p.length - 1]] = value;
  return root;
}

/** One structural mutation of a JSON value (mutates and returns it). */
export function mutateJson(root: Json, rand: Rand): Json {
  const all = paths(root);
  const p = pick(rand, all);
  const v = get(root, p);
  const r = rand();
  if (typeof v === 'number' && r < 0.35) {
    return set(root, p, pick(rand, [v + 1, v - 1, v * 2, v * 1000 + 7, -v, v + 0.5, 2 ** 31 - v, 1e12]));
  }
  if (Array.isArray(v) && r < 0.55) {
    const a = v.slice();
    switch (int(rand, 6)) {
      case 0: return set(root, p, []);
      case 1: a.splice(int(rand, a.length), 1); return set(root, p, a);
      case 2: a.push(a.length ? a[int(rand, a.length)] : 0); return set(root, p, a);
      case 3: a.push(pick(rand, HOSTILE) as Json); return set(root, p, a);
      case 4: return set(root, p, a.concat(a, a));
      default: return set(root, p, a.reverse());
    }
  }
  if (v && typeof v === 'object' && !Array.isArray(v) && r < 0.55) {
    const keys = Object.keys(v);
    const o = { ...v } as Record<string, Json>;
    if (keys.length && rand() < 0.6) delete o[pick(rand, keys)];
    else o[pick(rand, ['extra', 'inputs', 'layers', 'kind', 'version', '__proto__', 'constructor'])] = pick(rand, HOSTILE) as Json;
    return set(root, p, o);
  }
  return set(root, p, structuredClone(pick(rand, HOSTILE)) as Json);
}

/** Text damage: cut short, a character changed, or a character inserted. */
export function damageText(text: string, rand: Rand): string {
  const at = int(rand, text.length + 1);
  switch (int(rand, 3)) {
    case 0: return text.slice(0, at);
    case 1: return text.slice(0, at) + pick(rand, ['"', '{', ']', ',', '9', '-', 'e', '\u0000', '\uffff', '\ud800']) + text.slice(at + 1);
    default: return text.slice(0, at) + pick(rand, ['1', '0', ',', '\n', ' ', '\r', '#', 'é']) + text.slice(at);
  }
}

/** A JSON document mutated 1–3 times, sometimes then damaged as text. */
export function mutatedJsonText(base: unknown, rand: Rand): string {
  let v = structuredClone(base) as Json;
  const n = 1 + int(rand, 3);
  for (let k = 0; k < n; k++) v = mutateJson(v, rand);
  let text = JSON.stringify(v) ?? 'null';
  if (rand() < 0.2) text = damageText(text, rand);
  return text;
}

/** Bytes with 1–4 changed, a run cut out, or the end cut off. */
export function damageBytes(b: Uint8Array, rand: Rand): Uint8Array {
  const out = b.slice();
  const r = rand();
  if (r < 0.15) return out.subarray(0, int(rand, out.length));
  if (r < 0.25) {
    const at = int(rand, out.length);
    return new Uint8Array(Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + int(rand, 16)))]));
  }
  const flips = 1 + int(rand, 4);
  for (let k = 0; k < flips; k++) out[int(rand, out.length)] = pick(rand, [0, 1, 0x7f, 0x80, 0xff, int(rand, 256)]);
  return out;
}
