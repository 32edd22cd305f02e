// File helpers shared by every stage: outputs are written to a temporary file in the same
// folder and renamed into place, so an interrupted run never leaves a half-written file.

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UserError } from './errors.js';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path) || '.', { recursive: true });
  const tmp = join(dirname(path), `.${process.pid}.${Date.now()}.tmp-${basenameOf(path)}`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Reads a file or throws a UserError that names it (missing, a folder, unreadable). */
export function readFileOrFail(path: string, what = 'file'): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such ${what}. Check the path.`);
    if (code === 'EISDIR') throw new UserError(`${path}: is a folder, expected a ${what}.`);
    throw new UserError(`${path}: cannot read ${what} (${code ?? String(err)}).`);
  }
}

function basenameOf(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1];
}
