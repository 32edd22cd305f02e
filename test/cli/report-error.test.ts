// How a command that fails is reported: a UserError as one line with its exit code; any other
// error as one line saying it is an internal error and how to report it, exit 70, with the
// stack only when debugging.

import { describe, expect, it } from 'vitest';
import { INTERNAL_ERROR_EXIT, reportError } from '../../src/cli/report-error.js';
import { CheckFailed, UserError } from '../../src/util/errors.js';
import { fixture, lgnc } from '../helpers/cli.js';

describe('reportError', () => {
  it('a user error: one line, exit 2 (1 for a failed check), JSON with --json', () => {
    expect(reportError(new UserError('m.json: bad'), { json: false, debug: false })).toEqual({ exitCode: 2, stderr: 'lgnc: error: m.json: bad\n', stdout: undefined });
    expect(reportError(new CheckFailed('budget exceeded'), { json: false, debug: true }).exitCode).toBe(1);
    expect(JSON.parse(reportError(new UserError('bad'), { json: true, debug: false }).stdout!)).toEqual({ ok: false, error: 'bad', exitCode: 2 });
  });

  it('an internal error: one line saying so and how to report it, exit 70; the stack only with debug', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'x')\nsecond line");
    const plain = reportError(err, { json: false, debug: false });
    expect(plain.exitCode).toBe(INTERNAL_ERROR_EXIT);
    expect(INTERNAL_ERROR_EXIT).toBe(70);
    expect(plain.stderr).toMatch(/^lgnc: internal error \(a bug in lgnc [\d.]+, not in your input\): TypeError: Cannot read properties of undefined \(reading 'x'\)\. Please report it with the command line and the output of the same command run with --debug\.\n$/);
    expect(plain.stderr.split('\n')).toHaveLength(2);
    const debug = reportError(err, { json: false, debug: true });
    expect(debug.stderr.split('\n')[0]).toMatch(/internal error.*Please report it with the command line and the stack trace below\.$/);
    expect(debug.stderr).toMatch(/\n\s+at .*report-error\.test\.ts/);
    expect(JSON.parse(reportError('thrown string', { json: true, debug: false }).stdout!)).toEqual({ ok: false, error: 'internal error: thrown string', exitCode: 70 });
  });

  it('the CLI accepts --debug anywhere and LGNC_DEBUG=1; errors stay one line with them', () => {
    expect(lgnc(['--debug', 'check', fixture('xor.json')]).code).toBe(0);
    const r = lgnc(['check', '/dev/zero', '--debug']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('lgnc: error: /dev/zero: is a device or socket, not a netlist file. Give a regular file.\n');
  });
});
