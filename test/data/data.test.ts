// Datasets: IDX parsing, MNIST / Fashion-MNIST, the MONK's problems, CSV, the binary cache.

import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseIdx } from '../../src/data/idx.js';
import { loadDataset } from '../../src/data/load.js';
import { allRobots, monkRule, MONK_VALUES } from '../../src/data/monk.js';
import { classCounts } from '../../src/data/dataset.js';
import { FASHION_DIR } from '../../src/data/images.js';
import { UserError } from '../../src/util/errors.js';

const tmp = mkdtempSync(join(tmpdir(), 'lgnc-data-'));
beforeAll(() => {
  process.env.LGNC_CACHE_DIR = join(tmp, 'cache');
});

function idxBytes(dims: number[], values: number[]): Uint8Array {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(values)]);
}

describe('IDX files', () => {
  it('reads dimensions and values, plain or gzipped', () => {
    const raw = idxBytes([2, 3], [1, 2, 3, 4, 5, 6]);
    for (const buf of [raw, gzipSync(raw)]) {
      const r = parseIdx(buf, 'x.idx');
      expect(r.dims).toEqual([2, 3]);
      expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('rejects a bad magic, an unsupported type and a truncated file with the file name', () => {
    expect(() => parseIdx(Buffer.from('hello world'), 'a.idx')).toThrow(/a\.idx: not an IDX file/);
    const float = idxBytes([1], [0, 0, 0, 0]);
    float[2] = 0x0d;
    expect(() => parseIdx(float, 'b.idx')).toThrow(/b\.idx: IDX value type 0xd is not supported/);
    expect(() => parseIdx(idxBytes([2, 3], [1, 2, 3]), 'c.idx')).toThrow(/c\.idx: IDX header says 2×3 = 6 values but the file holds 3/);
    expect(() => parseIdx(Buffer.from([0x1f, 0x8b, 1, 2, 3]), 'd.gz')).toThrow(/d\.gz: gzip data is corrupt/);
  });
});

describe('MNIST and Fashion-MNIST', () => {
  it('mnist: 60 000 / 10 000 images of 784 pixels, all ten digits, the known first labels', () => {
    const d = loadDataset('mnist');
    expect([d.train.count, d.test.count, d.features, d.classes]).toEqual([60000, 10000, 784, 10]);
    expect(Array.from(d.train.y.subarray(0, 8))).toEqual([5, 0, 4, 1, 9, 2, 1, 3]);
    expect(Array.from(d.test.y.subarray(0, 4))).toEqual([7, 2, 1, 0]);
    expect(classCounts(d.test, 10).every((n) => n > 800)).toBe(true);
    // The second load comes from the binary cache and is identical.
    const again = loadDataset('mnist');
    expect(readdirSync(process.env.LGNC_CACHE_DIR!).some((f) => f.startsWith('mnist-'))).toBe(true);
    expect(Buffer.compare(Buffer.from(again.train.x), Buffer.from(d.train.x))).toBe(0);
    expect(Array.from(again.test.y)).toEqual(Array.from(d.test.y));
  });

  it('--limit keeps the first n samples of each split', () => {
    const d = loadDataset('mnist', { limit: 100 });
    expect([d.train.count, d.test.count, d.train.x.length]).toEqual([100, 100, 78400]);
    expect(() => loadDataset('mnist', { limit: 0 })).toThrow(/--limit 0: must be a whole number/);
  });

  it.skipIf(!existsSync(FASHION_DIR))('fashion-mnist: 60 000 / 10 000 from the gzipped Debian files', () => {
    const d = loadDataset('fashion-mnist');
    expect([d.train.count, d.test.count, d.features, d.classes]).toEqual([60000, 10000, 784, 10]);
    expect(Array.from(d.train.y.subarray(0, 3))).toEqual([9, 0, 0]);
  });

  it('an unknown dataset name lists the valid ones', () => {
    expect(() => loadDataset('cifar')).toThrow(/unknown dataset "cifar": use one of mnist, fashion-mnist, monk1, monk2, monk3, csv:PATH/);
  });
});

describe("the MONK's problems", () => {
  /** Attribute values back from the 17 one-hot bits. */
  function decode(x: ArrayLike<number>, s: number): number[] {
    const out: number[] = [];
    let off = s * 17;
    for (const n of MONK_VALUES) {
      let v = 0;
      for (let i = 0; i < n; i++) if (x[off + i]) v = i + 1;
      out.push(v);
      off += n;
    }
    return out;
  }

  it.each([[1, 124], [2, 169], [3, 122]] as const)('monk%i: %i training robots, all 432 for testing, labels by the rule', (p, n) => {
    const d = loadDataset(`monk${p}`);
    expect([d.train.count, d.test.count, d.features, d.classes]).toEqual([n, 432, 17, 2]);
    let noisy = 0;
    for (let s = 0; s < d.test.count; s++) expect(d.test.y[s]).toBe(monkRule(p, decode(d.test.x, s)));
    for (let s = 0; s < d.train.count; s++) if (d.train.y[s] !== monkRule(p, decode(d.train.x, s))) noisy++;
    expect(noisy).toBe(p === 3 ? 6 : 0); // MONK-3: 5 % class noise in training
    // Deterministic: the same robots every time.
    expect(Array.from(loadDataset(`monk${p}`).train.x)).toEqual(Array.from(d.train.x));
  });

  it('the rules on hand-picked robots', () => {
    expect(allRobots()).toHaveLength(432);
    expect(monkRule(1, [2, 2, 1, 1, 3, 1])).toBe(1); // a1 = a2
    expect(monkRule(1, [1, 3, 1, 1, 1, 1])).toBe(1); // a5 = 1
    expect(monkRule(1, [1, 3, 1, 1, 2, 1])).toBe(0);
    expect(monkRule(2, [1, 1, 2, 2, 2, 2])).toBe(1); // exactly two first values
    expect(monkRule(2, [1, 1, 1, 2, 2, 2])).toBe(0);
    expect(monkRule(3, [1, 3, 1, 1, 3, 1])).toBe(1); // a5 = 3 and a4 = 1
    expect(monkRule(3, [1, 3, 1, 2, 3, 1])).toBe(0);
    expect(monkRule(3, [1, 2, 1, 2, 4, 1])).toBe(0); // a5 = 4
  });
});

describe('CSV data', () => {
  const file = (name: string, text: string) => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };

  it('header, label column by name, word labels numbered in sorted order, held-out test rows', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i % 7},${(i * 3) % 11},${i % 2 ? 'yes' : 'no'},${i / 10}`);
    const p = file('a.csv', ['x,y,answer,z', ...rows].join('\n') + '\n');
    const d = loadDataset(`csv:${p}`, { csv: { label: 'answer', testFraction: 0.2 } });
    expect([d.features, d.classes, d.classNames]).toEqual([3, 2, ['no', 'yes']]);
    expect([d.train.count, d.test.count]).toEqual([40, 10]);
    // Same split every time.
    const again = loadDataset(`csv:${p}`, { csv: { label: 'answer', testFraction: 0.2 }, cache: false });
    expect(Array.from(again.test.x)).toEqual(Array.from(d.test.x));
  });

  it('a separate test file, integer labels in the last column, tab-separated', () => {
    const p = file('b.tsv', '1\t2\t0\n3\t4\t1\n5\t6\t2\n');
    const q = file('b-test.tsv', '7\t8\t1\n');
    const d = loadDataset(`csv:${p}`, { csv: { testFile: q } });
    expect([d.features, d.classes, d.train.count, d.test.count]).toEqual([2, 3, 3, 1]);
    expect(Array.from(d.test.x)).toEqual([7, 8]);
  });

  it.each([
    ['ragged.csv', '1,2,0\n3,1\n', /ragged\.csv:2: has 2 fields, expected 3/],
    ['word.csv', 'a,b,c\n1,2,0\n3,x,1\n', /word\.csv:3: column "b" value "x" is not a number/],
    ['one.csv', '1,0\n2,0\n', /one\.csv: the label column has a single class/],
    ['empty.csv', '\n# nothing\n', /empty\.csv: no data rows/],
  ])('%s: a clear error naming file and line', (name, text, msg) => {
    const p = file(name, text);
    expect(() => loadDataset(`csv:${p}`, { cache: false })).toThrow(msg);
    try {
      loadDataset(`csv:${p}`, { cache: false });
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
    }
  });

  it('a corrupt cache file is ignored, not trusted', () => {
    const dir = join(tmp, 'cache2');
    process.env.LGNC_CACHE_DIR = dir;
    try {
      const p = file('cached.csv', '1,2,0\n3,4,1\n5,6,1\n7,8,0\n');
      const d0 = loadDataset(`csv:${p}`);
      expect(readdirSync(dir)).toHaveLength(1);
      for (const f of readdirSync(dir)) writeFileSync(join(dir, f), 'garbage');
      const d1 = loadDataset(`csv:${p}`);
      expect(Array.from(d1.train.x)).toEqual(Array.from(d0.train.x));
      expect(Array.from(d1.test.y)).toEqual(Array.from(d0.test.y));
    } finally {
      process.env.LGNC_CACHE_DIR = join(tmp, 'cache');
    }
  });

  it('a missing label column and a missing file say how to fix it', () => {
    const p = file('c.csv', 'a,b,c\n1,2,0\n3,4,1\n');
    expect(() => loadDataset(`csv:${p}`, { csv: { label: 'nope' } })).toThrow(/label column "nope" not found: give a 0-based index below 3 or one of "a", "b", "c"/);
    expect(() => loadDataset(`csv:${join(tmp, 'missing.csv')}`)).toThrow(/missing\.csv: no such CSV file/);
  });
});
