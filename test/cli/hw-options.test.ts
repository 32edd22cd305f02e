// The hardware options refuse what cannot be meant, with one line and exit 2, before any
// tool runs: --freq (non-positive, or beyond any iCE40: a unit typo), --stream-count,
// --pipeline auto without a clock target, --arith or --argmax that does not exist.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, lgnc } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lgnc-hw-options-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('hardware options', () => {
  const build = join(work, 'b');
  it('compile: --pipeline auto needs a sane --freq; --arith and --argmax are one of the forms', () => {
    for (const args of [['--pipeline', 'auto'], ['--pipeline', 'auto', '--freq', '0'], ['--pipeline', 'auto', '--freq', '1e6'], ['--arith', 'magic'], ['--argmax', 'magic'], ['--freq', '100']]) {
      const r = lgnc(['compile', fixture('full-adder.json'), '-o', build, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const ok = lgnc(['compile', fixture('full-adder.json'), '-o', build, '--pipeline', 'auto', '--freq', '100', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    const m = JSON.parse(ok.stdout);
    expect(m.pipeline.auto).toMatchObject({ freqMHz: 100 });
    expect(m.pipeline.every).toBe(m.pipeline.auto.every);
    expect(m.pipeline.latency).toBeGreaterThan(0);
    const scan = lgnc(['compile', fixture('mnist-3x1000.json'), '-o', build, '--argmax', 'scan', '--json']);
    expect(scan.code, scan.stderr).toBe(0);
    expect(JSON.parse(scan.stdout).stats.arith).toMatchObject({ argmax: 'scan', comparators: 0 });
  });

  it('synth: --stream-count and --freq out of range are refused', () => {
    for (const args of [['--shell', 'stream', '--stream-count', '0'], ['--shell', 'stream', '--stream-count', '2.5'], ['--shell', 'stream', '--stream-count', '1e12'], ['--stream-count', '100'], ['--freq', '-3'], ['--freq', '20000']]) {
      const r = lgnc(['synth', build, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
