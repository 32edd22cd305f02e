// File helpers shared by every stage; every output lgnc writes goes through them.
// Guarantees:
// - outputs are written to a temporary file in the target folder and renamed into place, so an
//   interrupted or failed run never leaves a half-written file; a failed write removes its
//   temporary files and the folders it created, and SIGINT/SIGTERM/SIGHUP during a write
//   remove the temporary files and folders still open before the process dies of the signal;
// - folders are created one level at a time (never Node's recursive mkdir, which loops forever
//   where mkdir answers ENOENT, as in /proc), so creating one ends after one try per component;
// - every failure is a UserError that names the path, says what is wrong (a file where a
//   folder should be, read-only, no space, a pseudo-filesystem, a name too long) and the fix;
// - reads refuse devices and files larger than the caller's bound before reading them.

import {
  accessSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, mkdtempSync, openSync, readSync, renameSync, rmSync, rmdirSync,
  statfsSync, statSync, writeFileSync, type Stats,
} from 'node:fs';
import { basename, dirname, join, parse, resolve, sep } from 'node:path';
import { UserError } from './errors.js';

/** Reads a file or throws a UserError that names it (missing, a folder, a device, too large, unreadable). */
export function readFileOrFail(path: string, what = 'file', maxBytes = 2 ** 31 - 1): Buffer {
  if (path === '') throw new UserError(`the ${what} name is empty. Give a path.`);
  let fd: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UserError(`${path}: is a folder, expected a ${what}.`);
    if (!st.isFile() && !st.isFIFO()) throw new UserError(`${path}: is a device or socket, not a ${what}. Give a regular file.`);
    if (st.size > maxBytes) throw new UserError(`${path}: the ${what} is ${st.size.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} lgnc reads (see "Limits" in the README). Is it the right file?`);
    fd = openSync(path, 'r');
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such ${what}. Check the path.`);
    if (code === 'ENOTDIR') throw new UserError(`${path}: no such ${what}: ${fileInPath(path) ?? 'a part of the path'} is a file, not a folder. Check the path.`);
    throw new UserError(`${path}: cannot read the ${what} (${describeCode(code, err)}).`);
  }
  try {
    // A regular file is read into one buffer of its size; a pipe in chunks, up to the bound.
    const size = fstatSync(fd).size;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(total < size ? size - total : Math.min(1 << 20, maxBytes + 1));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw new UserError(`${path}: the ${what} is more than the ${maxBytes.toLocaleString('en-US')} bytes lgnc reads (see "Limits" in the README). Is it the right file?`);
      chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new UserError(`${path}: is a folder, expected a ${what}.`);
    throw new UserError(`${path}: cannot read the ${what} (${describeCode(code, err)}).`);
  } finally {
    closeSync(fd);
  }
}

export interface OutputFile {
  path: string;
  data: string | Uint8Array;
}

/** Writes one file atomically (temp file + rename), creating its folder. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  writeFilesAtomic([{ path, data }]);
}

/**
 * Writes several files as one step: every file goes to a temporary file first, and only when
 * all are written are they renamed into place. On failure nothing new is left behind.
 */
export function writeFilesAtomic(files: OutputFile[]): void {
  const created: string[] = [];
  const temps: string[] = [];
  let current = files[0]?.path ?? '.';
  try {
    for (const f of files) {
      current = f.path;
      created.push(...makeFolders(dirname(f.path), 'output folder'));
      const target = existing(f.path);
      if (target?.isDirectory()) throw new UserError(`${f.path}: is a folder; give a file name, e.g. ${join(f.path, basename(f.path) + '.out')}`);
      if (target && !target.isFile()) throw new UserError(`${f.path}: is a device or special file; lgnc only replaces regular files. Choose another output path.`);
      const tmp = join(dirname(f.path), `.${basename(f.path).slice(0, 180)}.${process.pid}.${++tempCounter}.tmp`);
      track(tmp);
      temps.push(tmp);
      writeFileSync(tmp, f.data);
    }
    for (let i = 0; i < files.length; i++) {
      current = files[i].path;
      renameSync(temps[i], files[i].path);
      untrack(temps[i]);
    }
  } catch (err) {
    for (const t of temps) {
      rmSync(t, { force: true });
      untrack(t);
    }
    removeEmptyFolders(created);
    throw err instanceof UserError ? err : fileError(err, current, 'write');
  }
}

/**
 * Creates `dir` and any missing parents, one level at a time; returns the folders it created
 * (outermost first). Throws a UserError saying what blocks it.
 */
export function makeFolders(dir: string, what = 'folder'): string[] {
  const abs = resolve(dir);
  checkNameLengths(dir, what);
  const missing: string[] = [];
  let at = abs;
  let st = existing(at);
  // Walk up to the nearest existing ancestor: at most one step per path component.
  while (!st) {
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
    st = existing(at);
  }
  if (st && !st.isDirectory()) {
    throw new UserError(`${dir}: cannot use this ${what}: ${at === abs ? 'it' : at} is a file, not a folder. Choose another path (or move the file).`);
  }
  if (missing.length && st) refusePseudoFs(at, dir, what);
  const created: string[] = [];
  try {
    for (const m of missing) {
      try {
        mkdirSync(m);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST' && existing(m)?.isDirectory()) continue; // made meanwhile
        throw err;
      }
      created.push(m);
    }
  } catch (err) {
    removeEmptyFolders(created);
    const code = (err as NodeJS.ErrnoException).code;
    // mkdir says ENOENT with the parent present only where folders cannot be made (/proc).
    if (code === 'ENOENT') throw new UserError(`${dir}: cannot create the ${what}: folders cannot be made in ${at} (a pseudo-filesystem?). Choose a path on a normal disk.`);
    throw fileError(err, dir, `create the ${what}`);
  }
  return created;
}

/**
 * Checks, before any work is done, that an output path can be written: a file (`kind`
 * 'file') or a folder lgnc fills ('folder'). Creates nothing. `what` names it for the user,
 * e.g. "output file (-o)".
 */
export function checkOutputPath(path: string, kind: 'file' | 'folder', what: string): void {
  if (path === '') throw new UserError(`${what}: the path is empty. Give a file or folder name.`);
  checkNameLengths(path, what);
  const st = existing(path);
  if (st) {
    if (kind === 'file' && st.isDirectory()) throw new UserError(`${path}: the ${what} is a folder; give a file name, e.g. ${join(path, 'model.json')}`);
    if (kind === 'file' && !st.isFile()) throw new UserError(`${path}: the ${what} is a device or special file; lgnc only replaces regular files. Choose another path.`);
    if (kind === 'folder' && !st.isDirectory()) throw new UserError(`${path}: the ${what} is a file, not a folder. Choose another path (or move the file).`);
  }
  // The nearest folder that exists must be a writable folder on a real file system.
  let at = resolve(kind === 'folder' && st ? path : dirname(resolve(path)));
  let up = existing(at);
  while (!up) {
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
    up = existing(at);
  }
  if (up && !up.isDirectory()) throw new UserError(`${path}: cannot write the ${what}: ${at} is a file, not a folder. Choose another path (or move the file).`);
  refusePseudoFs(at, path, what);
  const probe = probeWritable(at);
  if (probe) throw fileError(probe, path, `write the ${what} in ${at}`);
}

/** A temporary folder (under the OS temp folder) that is removed on SIGINT/SIGTERM too; call the returned remove(). */
export function makeTempFolder(parent: string, prefix: string, what = 'temporary folder (set TMPDIR to change it)'): { path: string; remove: () => void } {
  makeFolders(parent, what);
  let path: string;
  try {
    path = mkdtempSync(join(parent, prefix));
  } catch (err) {
    throw fileError(err, parent, `create a ${what}`);
  }
  track(path);
  return {
    path,
    remove() {
      rmSync(path, { recursive: true, force: true });
      untrack(path);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Error messages

/** A file system error as a UserError: the path, what went wrong, and what to do. */
export function fileError(err: unknown, path: string, action: string): UserError {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
      return new UserError(`${path}: cannot ${action}: ${fileInPath(path) ?? 'a part of the path'} is a file, not a folder. Choose another path (or move the file).`);
    case 'EISDIR':
      return new UserError(`${path}: cannot ${action}: it is a folder; give a file name.`);
    case 'EACCES':
    case 'EPERM':
      return new UserError(`${path}: cannot ${action}: permission denied. Choose a folder you can write to.`);
    case 'EROFS':
      return new UserError(`${path}: cannot ${action}: the file system is read-only. Choose a path on a writable disk.`);
    case 'ENOSPC':
    case 'EDQUOT':
      return new UserError(`${path}: cannot ${action}: no space left on the device${code === 'EDQUOT' ? ' (disk quota exceeded)' : ''}. Free some space or choose another disk.`);
    case 'EFBIG':
      return new UserError(`${path}: cannot ${action}: the file is too large for this file system. Choose another disk.`);
    case 'ENAMETOOLONG':
      return new UserError(`${path}: cannot ${action}: a name is too long (at most ${NAME_MAX} bytes a name, ${PATH_MAX} a path). Choose a shorter name.`);
    case 'ELOOP':
      return new UserError(`${path}: cannot ${action}: too many symbolic links (a link loop?). Check the path.`);
    case 'ENOENT':
      return new UserError(`${path}: cannot ${action}: the folder does not exist or cannot hold files (a pseudo-filesystem?). Choose a path on a normal disk.`);
    default:
      return new UserError(`${path}: cannot ${action} (${describeCode(code, err)}). Check the path and the disk.`);
  }
}

function describeCode(code: string | undefined, err: unknown): string {
  return code ?? (err instanceof Error ? err.message : String(err));
}

/** The first existing prefix of `path` that is a file (why ENOTDIR happened), if any. */
function fileInPath(path: string): string | null {
  const abs = resolve(path);
  const root = parse(abs).root;
  let at = root;
  for (const part of abs.slice(root.length).split(sep).filter(Boolean)) {
    at = join(at, part);
    let st: Stats | null;
    try {
      st = existing(at);
    } catch {
      return null;
    }
    if (!st) return null;
    if (!st.isDirectory()) return at;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Checks

const NAME_MAX = 255;
const PATH_MAX = 4095;

function checkNameLengths(path: string, what: string): void {
  const abs = resolve(path);
  const long = abs.split(sep).find((p) => Buffer.byteLength(p) > NAME_MAX);
  if (long !== undefined) throw new UserError(`${path.length > 80 ? path.slice(0, 80) + '…' : path}: the ${what} has a name of ${Buffer.byteLength(long)} bytes; file systems allow at most ${NAME_MAX}. Choose a shorter name.`);
  if (Buffer.byteLength(abs) > PATH_MAX) throw new UserError(`${path.slice(0, 80)}…: the ${what} path is ${Buffer.byteLength(abs)} bytes long; at most ${PATH_MAX}. Choose a shorter path.`);
  if (path.includes('\0')) throw new UserError(`${JSON.stringify(path)}: the ${what} path contains a NUL character. Choose another path.`);
}

/** Linux file systems that hold kernel state, not files (statfs f_type magic numbers). */
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc', 0x62656572: 'sysfs', 0x1cd1: 'devpts', 0x64626720: 'debugfs', 0x74726163: 'tracefs',
  0x73636673: 'securityfs', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0xcafe4a11: 'bpf', 0x6165676c: 'pstore',
  0x62656570: 'configfs', 0x65735543: 'fusectl', 0x42494e4d: 'binfmt_misc', 0xf97cff8c: 'selinuxfs',
  0xde5e81e4: 'efivarfs', 0x19800202: 'mqueue',
};

function refusePseudoFs(folder: string, path: string, what: string): void {
  let type: number;
  try {
    type = Number(statfsSync(folder).type);
  } catch {
    return; // statfs unsupported here; the write itself will say what is wrong
  }
  const name = PSEUDO_FS[type >>> 0];
  if (name) throw new UserError(`${path}: cannot write the ${what} there: ${folder} is on ${name}, a pseudo-filesystem of the kernel, not a disk. Choose a path on a normal disk.`);
}

/** Whether `folder` can take new files (access(2): permissions and read-only mounts); the error, or null. */
function probeWritable(folder: string): unknown {
  try {
    accessSync(folder, constants.W_OK | constants.X_OK);
    return null;
  } catch (err) {
    return err;
  }
}

/** The path's stats, or null when nothing is there; other errors (EACCES: a folder on the way may not be searched) are thrown as UserErrors. */
function existing(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw fileError(err, path, 'reach it (a folder on the way may not be searched)');
    // A dangling symlink exists as a name though it points nowhere: report it as a file.
    try {
      return lstatSync(path);
    } catch {
      return null;
    }
  }
}

function removeEmptyFolders(created: string[]): void {
  for (const d of [...created].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      // not empty (someone else wrote into it) or gone: leave it
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Temporary files and folders, removed on SIGINT / SIGTERM / SIGHUP

let tempCounter = 0;
const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let listening = false;

function onSignal(signal: NodeJS.Signals): void {
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
  stopListening();
  // Die of the signal, as the default action would have (exit status 128 + n).
  process.kill(process.pid, signal);
}

function track(path: string): void {
  live.add(path);
  if (!listening) {
    for (const s of SIGNALS) process.on(s, onSignal);
    listening = true;
  }
}

function untrack(path: string): void {
  live.delete(path);
  // Stop listening two turns of the event loop later: a signal that arrived during a
  // synchronous write is dispatched in the poll phase between them, so it still reaches
  // onSignal (removed at once, Node would drop it). Listening only around writes keeps
  // Ctrl-C immediate during long synchronous work such as synthesis.
  if (live.size === 0) setImmediate(() => setImmediate(() => live.size === 0 && stopListening()));
}

/**
 * Resolves once a signal that arrived during a write has taken effect and the write's signal
 * listeners are gone. Long synchronous work right after a write (a training epoch after its
 * checkpoint) must await it first, or a Ctrl-C / SIGTERM would wait for that work to end.
 */
export function settleSignals(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));
}

function stopListening(): void {
  if (!listening) return;
  for (const s of SIGNALS) process.off(s, onSignal);
  listening = false;
}
