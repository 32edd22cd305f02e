// Checkpoints: everything needed to continue training exactly where it stopped: the config,
// the encoding, finished epochs, Adam's step count, the history, and the arrays (connections,
// logits, Adam moments). Softmax and coefficients are recomputed from the logits on load,
// the same function the update applies, so a resumed run continues bit-identically.
// Layout: "LGNCKPT1\n", uint32 LE header length, JSON header, padding to 4, then a, b
// (int32), logits, m, v (float32), then topk's and dense's arrays, then `--average`'s running
// sums (average.ts). Written atomically after every epoch.

import { LIMITS } from '../netlist/limits.js';
import { UserError } from '../util/errors.js';
import { readFileOrFail, writeFileAtomic } from '../util/files.js';
import type { ThresholdEncoding } from '../netlist/netlist.js';
import type { TrainConfig } from './config.js';
import type { State } from './state.js';

const MAGIC = 'LGNCKPT1\n';

export interface EpochRecord {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  /** Soft (float model) accuracy on the training batches as they were trained. */
  trainAccuracy: number;
  softTestAccuracy: number;
  frozenTestAccuracy: number;
  /** Training seconds so far (evaluation excluded). */
  seconds: number;
  /** The epoch was cut short by the time budget. */
  partial?: boolean;
}

export interface CheckpointHeader {
  format: 'lgnc-checkpoint';
  version: 1;
  config: TrainConfig;
  encoding: ThresholdEncoding;
  epochsDone: number;
  step: number;
  trainSeconds: number;
  history: EpochRecord[];
  /** --average: the first summed epoch (0-based) and how many epoch ends the sums hold. */
  averageFrom?: number;
  averaged?: number;
}

/**
 * The arrays a checkpoint holds, in file order: topk adds its candidates, logits and moments;
 * while the connections are still dense (connect = -1), their logits and moments too.
 */
function savedArrays(st: State, connect: number, extra: Float32Array[]): (Int32Array | Float32Array)[] {
  const fixed = [st.a, st.b, st.logits, st.m, st.v];
  const topk = st.topk ? [st.candA, st.candB, st.clogA, st.clogB, st.cmA, st.cvA, st.cmB, st.cvB] : [];
  const dense = connect < 0 ? [st.denseLogA, st.denseLogB, st.denseMA, st.denseVA, st.denseMB, st.denseVB] : [];
  return [...fixed, ...topk, ...dense, ...extra];
}

/** `extra`: arrays kept beside the state's (the --average sums), in the order they are read back. */
export function writeCheckpoint(path: string, h: CheckpointHeader, st: State, connect: number, extra: Float32Array[] = []): void {
  const json = Buffer.from(JSON.stringify(h));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length);
  const head = MAGIC.length + 4 + json.length;
  const bytes = (a: Int32Array | Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  // Shared memory cannot be handed to the file system directly: copy each array.
  const parts = [Buffer.from(MAGIC), len, json, Buffer.alloc((4 - (head % 4)) % 4), ...savedArrays(st, connect, extra).map((a) => Buffer.from(bytes(a)))];
  writeFileAtomic(path, Buffer.concat(parts));
}

export function readCheckpointHeader(path: string): { header: CheckpointHeader; body: Buffer; offset: number } {
  const buf = readFileOrFail(path, 'checkpoint');
  const bad = (why: string) => new UserError(`${path}: not a usable lgnc checkpoint (${why}). Delete it or point --checkpoint elsewhere.`);
  if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) throw bad('bad magic');
  let header: CheckpointHeader;
  try {
    const n = buf.readUInt32LE(MAGIC.length);
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + n));
    const head = MAGIC.length + 4 + n;
    if (head > buf.length) throw new Error(`its length ${n} runs past the file's end`);
    const why = headerFault(header);
    if (why) throw new Error(why);
    return { header, body: buf, offset: head + ((4 - (head % 4)) % 4) };
  } catch (err) {
    throw bad(`header: ${(err as Error).message}`);
  }
}

const count = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;

/** What is wrong with a parsed header's own fields (its config is checked as the flags are). */
export function headerFault(h: CheckpointHeader): string | null {
  if (typeof h !== 'object' || h === null || h.format !== 'lgnc-checkpoint' || h.version !== 1) return 'not format lgnc-checkpoint version 1';
  if (typeof h.config !== 'object' || h.config === null) return 'no config';
  if (typeof h.encoding !== 'object' || h.encoding === null) return 'no encoding';
  if (!count(h.epochsDone) || h.epochsDone > LIMITS.epochs) return `epochsDone ${JSON.stringify(h.epochsDone)} is not a count of epochs`;
  if (!count(h.step)) return `step ${JSON.stringify(h.step)} is not a count of steps`;
  if (typeof h.trainSeconds !== 'number' || !(h.trainSeconds >= 0)) return `trainSeconds ${JSON.stringify(h.trainSeconds)} is not a duration`;
  if (!Array.isArray(h.history) || h.history.length > h.epochsDone) return 'history is not a list of the finished epochs';
  if (h.averaged !== undefined && (!count(h.averaged) || h.averaged > h.epochsDone)) return `averaged ${JSON.stringify(h.averaged)} is not a count of finished epochs`;
  if (h.averageFrom !== undefined && (!count(h.averageFrom) || h.averageFrom > LIMITS.epochs)) return `averageFrom ${JSON.stringify(h.averageFrom)} is not an epoch`;
  return null;
}

/** Copies the checkpoint's arrays into the state (whose shape must match the header). */
export function loadCheckpointArrays(path: string, body: Buffer, offset: number, st: State, connect: number, extra: Float32Array[] = []): void {
  const need = offset + savedArrays(st, connect, extra).reduce((n, a) => n + a.byteLength, 0);
  if (body.length !== need) throw new UserError(`${path}: checkpoint is truncated or does not match its header (${body.length} bytes, expected ${need}). Delete it and train again.`);
  let off = offset;
  for (const arr of savedArrays(st, connect, extra)) {
    const n = arr.byteLength;
    new Uint8Array(arr.buffer, arr.byteOffset, n).set(body.subarray(off, off + n));
    off += n;
  }
}
