// How the CLI reports an error that ends a command. A UserError (bad input, a failed check)
// is one line `lgnc: error: …` with its exit code (2, or 1). Anything else is a bug in lgnc:
// one line saying it is an internal error and how to report it, exit code 70 (EX_SOFTWARE);
// the stack trace only with --debug or LGNC_DEBUG=1.

import { UserError } from '../util/errors.js';
import { LGNC_VERSION } from './version.js';

export interface ErrorReport {
  exitCode: number;
  stderr: string;
  /** With --json: one JSON object for scripts. */
  stdout?: string;
}

export const INTERNAL_ERROR_EXIT = 70;

export function reportError(err: unknown, o: { json: boolean; debug: boolean }): ErrorReport {
  if (err instanceof UserError) {
    return {
      exitCode: err.exitCode,
      stderr: `lgnc: error: ${err.message}\n`,
      stdout: o.json ? JSON.stringify({ ok: false, error: err.message, exitCode: err.exitCode }) + '\n' : undefined,
    };
  }
  const what = (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).split('\n')[0].slice(0, 300);
  const how = o.debug ? 'with the command line and the stack trace below' : 'with the command line and the output of the same command run with --debug';
  let stderr = `lgnc: internal error (a bug in lgnc ${LGNC_VERSION}, not in your input): ${what}. Please report it ${how}.\n`;
  if (o.debug && err instanceof Error && err.stack) stderr += `${err.stack}\n`;
  return {
    exitCode: INTERNAL_ERROR_EXIT,
    stderr,
    stdout: o.json ? JSON.stringify({ ok: false, error: `internal error: ${what}`, exitCode: INTERNAL_ERROR_EXIT }) + '\n' : undefined,
  };
}
