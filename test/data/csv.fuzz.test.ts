// Fuzzing the CSV reader: damaged and hostile tables (cells, labels, widths, headers,
// delimiters, text damage) must each give a dataset or a one-line UserError.

import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/data/csv.js';
import { damageText, fuzz, int, type Rand } from '../helpers/fuzz.js';

const CELLS = ['', ' ', 'NaN', 'Infinity', '-Infinity', '1e400', '-1e-400', '99999999999999', '65536', '65535', '-1', '0x10', 'x', '"1"', '1,2', '\t', '#', '1e5', '0'];

function makeCsv(rand: Rand): { text: string; label?: string; testFraction?: number } {
  const rows = 1 + int(rand, 30);
  const features = 1 + int(rand, 6);
  const words = rand() < 0.4;
  const delim = rand() < 0.8 ? ',' : '\t';
  const table: string[][] = [];
  if (rand() < 0.5) table.push([...Array(features).keys()].map((f) => `f${f}`).concat('class'));
  for (let r = 0; r < rows; r++) {
    const row = [...Array(features)].map(() => (rand() * 10 - 5).toFixed(int(rand, 4)));
    row.push(words ? ['cat', 'dog', 'emu'][int(rand, 3)] : String(int(rand, 4)));
    table.push(row);
  }
  const n = int(rand, 4);
  for (let k = 0; k < n; k++) {
    const row = table[int(rand, table.length)];
    switch (int(rand, 4)) {
      case 0: row[int(rand, row.length)] = CELLS[int(rand, CELLS.length)]; break;
      case 1: row.splice(int(rand, row.length), 1); break;
      case 2: row.push(CELLS[int(rand, CELLS.length)]); break;
      default: table.splice(int(rand, table.length + 1), 0, [['#comment'], [''], ['  ']][int(rand, 3)]);
    }
  }
  let text = table.map((r) => r.join(delim)).join(rand() < 0.2 ? '\r\n' : '\n');
  if (rand() < 0.25) text = damageText(text, rand);
  const label = rand() < 0.2 ? ['class', '0', '1', '7', 'nope', '-1', '99999999999'][int(rand, 7)] : undefined;
  const testFraction = rand() < 0.1 ? [0, 1, 0.5, -1, 2, 1e-9][int(rand, 6)] : undefined;
  return { text, label, testFraction };
}

describe('CSV reader fuzzing', () => {
  it('3,000 damaged tables: each a dataset with consistent sizes or a one-line UserError', () => {
    const r = fuzz({
      seed: 1919,
      cases: 3000,
      make: makeCsv,
      run: (c) => {
        const d = parseCsv(c.text, 'data.csv', { label: c.label, testFraction: c.testFraction });
        for (const s of [d.train, d.test]) {
          if (s.x.length !== s.count * d.features || s.y.length !== s.count) throw new Error('split sizes disagree');
          if (s.y.some((y) => !(y >= 0 && y < d.classes))) throw new Error('a label outside 0..classes-1');
        }
      },
      show: (c) => JSON.stringify(c),
    });
    expect(r.failures).toEqual([]);
    expect(r.valid).toBeGreaterThan(300);
    expect(r.kinds).toBeGreaterThan(20);
  });

  it('a label column with a huge class index or too many distinct labels is refused with the limit', () => {
    expect(() => parseCsv('1,0\n2,99999999999\n3,1\n', 'big.csv')).toThrow(/big\.csv: the label column has class index 99999999999, more than lgnc's limit of 65,536 classes/);
    // 150,000 distinct class indices (Math.max(...labels) once overflowed the call stack here).
    const ints = Array.from({ length: 150_000 }, (_, i) => `${i},${i}`).join('\n');
    expect(() => parseCsv(ints, 'ints.csv')).toThrow(/ints\.csv: the label column has class index 149999, more than lgnc's limit/);
    const rows = Array.from({ length: 70_000 }, (_, i) => `${i},c${i}`).join('\n');
    expect(() => parseCsv(rows, 'many.csv')).toThrow(/many\.csv: the label column has 70,000 distinct labels, more than lgnc's limit of 65,536 classes/);
  });
});
