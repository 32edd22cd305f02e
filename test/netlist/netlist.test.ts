import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatNetlist, loadNetlist, NetlistError, parseNetlist, saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { fixture } from '../helpers/cli.js';

const expected: Record<string, string> = JSON.parse(readFileSync(fixture('broken/expected.json'), 'utf8'));

describe('netlist format', () => {
  it('loads every good fixture', () => {
    for (const f of readdirSync(fixture('.')).filter((f) => f.endsWith('.json'))) {
      expect(() => loadNetlist(fixture(f))).not.toThrow();
    }
  });

  it('every broken fixture has an expected message', () => {
    const files = readdirSync(fixture('broken')).filter((f) => f !== 'expected.json');
    expect(files.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.entries(expected))('rejects broken/%s naming the path and the fix', (file, message) => {
    const path = fixture(`broken/${file}`);
    let err: unknown;
    try {
      loadNetlist(path);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message.startsWith(path)).toBe(true);
    expect((err as NetlistError).exitCode).toBe(2);
  });

  it('round-trips exactly: save(load(x)) parses back equal, and formatting is a fixed point', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-'));
    for (const name of ['thresholds', 'all-ops-deep', 'same-input']) {
      const net = loadNetlist(fixture(`${name}.json`));
      const out = join(dir, `${name}.json`);
      saveNetlist(out, net);
      const back = loadNetlist(out);
      expect(back).toEqual(net);
      expect(readFileSync(out, 'utf8')).toBe(formatNetlist(back));
    }
    const big = randomNetlist({ inputs: 100, widths: [500, 500, 100], classes: 10, seed: 3 });
    expect(parseNetlist(formatNetlist(big))).toEqual(big);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('writes numbers so they read back bit-identical', () => {
    const net = loadNetlist(fixture('thresholds.json'));
    net.encoding!.thresholds = [[0.1 + 0.2], [-1e-300, 1 / 3, 123456789.123456789]];
    expect(parseNetlist(formatNetlist(net)).encoding!.thresholds).toEqual(net.encoding!.thresholds);
  });
});
