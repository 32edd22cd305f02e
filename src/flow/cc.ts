// The system C compiler, for building what `lgnc compile --emit c` writes (the tests and
// `npm run bench:infer` do). A missing compiler is a UserError with the install command.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { UserError } from '../util/errors.js';

/** templates/infer-harness.c: runs a compiled network on a packed vector file. */
export const INFER_HARNESS = fileURLToPath(new URL('../../templates/infer-harness.c', import.meta.url));

/** The C compiler: $CC, else gcc; throws a UserError with the install hint when missing. */
export function cCompiler(): string {
  const cc = process.env.CC || 'gcc';
  const r = spawnSync(cc, ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new UserError(`${cc} not found: building the emitted C needs a C compiler. Install it with  sudo apt-get install gcc  (or run npm run setup as root), or set CC.`);
  }
  return cc;
}

/**
 * Builds the inference harness around `<dir>/<top>.c` into `exe`: `cc -O2 [flags]`.
 * Returns the seconds the compiler took; a compile error is thrown with its output.
 */
export function buildHarness(dir: string, top: string, exe: string, flags: string[] = []): number {
  const cc = cCompiler();
  const U = top.toUpperCase();
  const t0 = performance.now();
  const r = spawnSync(cc, ['-O2', '-std=c99', ...flags, `-I${dir}`, `-DLGNC_HEADER="${top}.h"`, `-DLGNC_CLASSIFY=${top}_classify`, `-DLGNC_SCORES=${top}_scores`,
    `-DLGNC_BYTES=${U}_BYTES_PER_VECTOR`, `-DLGNC_K=${U}_CLASSES`, INFER_HARNESS, `${dir}/${top}.c`, '-o', exe], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cc} failed on ${dir}/${top}.c (exit ${r.status ?? r.signal}):\n${(r.stderr || r.error?.message || '').slice(0, 4000)}`);
  return (performance.now() - t0) / 1000;
}
