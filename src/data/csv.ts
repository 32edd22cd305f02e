// User data from CSV (`csv:PATH`): numeric feature columns and one label column.
// - Delimiter: comma (a tab when the first line has no comma). Blank lines and lines starting
//   with `#` are skipped. The first line is a header when any of its feature fields is not a
//   number; then columns can be named by the header.
// - Label column: `label` option (a header name or a 0-based index), default the last column.
//   Labels that are all non-negative integers are the class indices themselves; otherwise
//   the sorted distinct label strings are numbered 0, 1, ... and kept as class names.
// - Test split: a second file (`testFile`, same columns), or else a fixed-seed shuffle holds
//   out `testFraction` (default 0.2) of the rows.
// Every malformed row is reported with file, line and column.

import { UserError } from '../util/errors.js';
import { readFileOrFail } from '../util/files.js';
import { mulberry32 } from '../netlist/vectors.js';
import { LIMITS, overLimit } from '../netlist/limits.js';
import type { Dataset, Split } from './dataset.js';

export interface CsvOptions {
  label?: string;
  testFile?: string;
  testFraction?: number;
  /** Seed of the train/test shuffle when there is no test file (default 1). */
  splitSeed?: number;
}

interface Table {
  path: string;
  header: string[] | null;
  rows: { line: number; fields: string[] }[];
}

const isNumber = (s: string) => s.trim() !== '' && Number.isFinite(Number(s));

function readTable(path: string): Table {
  return tableOf(readFileOrFail(path, 'CSV file', LIMITS.csvBytes).toString('utf8'), path);
}

function tableOf(text: string, path: string): Table {
  const lines = text.split(/\r?\n/);
  const first = lines.find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  const delim = first.includes(',') ? ',' : '\t';
  const rows: Table['rows'] = [];
  lines.forEach((l, i) => {
    if (l.trim() === '' || l.startsWith('#')) return;
    rows.push({ line: i + 1, fields: l.split(delim).map((f) => f.trim()) });
  });
  if (rows.length === 0) throw new UserError(`${path}: no data rows. A CSV needs numeric feature columns and a label column.`);
  const width = rows[0].fields.length;
  if (rows.length > LIMITS.samples + 1) throw new UserError(`${path}: ${rows.length.toLocaleString('en-US')} rows is ${overLimit('samples')}; use a sample of the data.`);
  if (width - 1 > LIMITS.features) throw new UserError(`${path}:${rows[0].line}: ${(width - 1).toLocaleString('en-US')} feature columns is ${overLimit('features')}.`);
  if (width < 2) throw new UserError(`${path}:${rows[0].line}: only one column; need at least one feature column and a label column (comma- or tab-separated).`);
  let header: string[] | null = null;
  // A header has some non-numeric field among all but the last column (labels may be words).
  if (rows[0].fields.slice(0, -1).some((f) => !isNumber(f)) || rows[0].fields.every((f) => !isNumber(f))) {
    header = rows.shift()!.fields;
  }
  for (const r of rows) {
    if (r.fields.length !== width) {
      throw new UserError(`${path}:${r.line}: has ${r.fields.length} fields, expected ${width} like the first line.`);
    }
  }
  if (rows.length === 0) throw new UserError(`${path}: only a header line, no data rows.`);
  return { path, header, rows };
}

function labelColumn(t: Table, label: string | undefined): number {
  const width = t.rows[0].fields.length;
  if (label === undefined) return width - 1;
  if (t.header) {
    const i = t.header.indexOf(label);
    if (i >= 0) return i;
  }
  if (/^\d+$/.test(label) && Number(label) < width) return Number(label);
  const names = t.header ? ` or one of ${t.header.map((h) => JSON.stringify(h)).join(', ')}` : '';
  throw new UserError(`${t.path}: label column "${label}" not found: give a 0-based index below ${width}${names}.`);
}

function toSplit(t: Table, labelCol: number, classOf: Map<string, number>): Split {
  const features = t.rows[0].fields.length - 1;
  const x = new Float32Array(t.rows.length * features);
  const y = new Int32Array(t.rows.length);
  t.rows.forEach((r, s) => {
    let f = 0;
    r.fields.forEach((v, c) => {
      if (c === labelCol) return;
      const n = Number(v);
      if (v === '' || !Number.isFinite(n)) {
        const col = t.header ? `column "${t.header[c]}"` : `column ${c}`;
        throw new UserError(`${t.path}:${r.line}: ${col} value ${JSON.stringify(v)} is not a number. Features must be numeric.`);
      }
      x[s * features + f++] = n;
    });
    y[s] = classOf.get(r.fields[labelCol])!;
  });
  return { count: t.rows.length, x, y };
}

/** Class index per label string, and names when labels are not plain integers. */
function classMap(labels: string[], path: string): { classOf: Map<string, number>; classes: number; names?: string[] } {
  const distinct = [...new Set(labels)];
  const tooMany = (n: string) => new UserError(`${path}: the label column has ${n}, ${overLimit('classes')}: is the right column the label (--label)?`);
  if (distinct.every((l) => /^\d+$/.test(l))) {
    const classOf = new Map(distinct.map((l) => [l, Number(l)]));
    let max = 0;
    for (const c of classOf.values()) max = Math.max(max, c);
    if (max >= LIMITS.classes) throw tooMany(`class index ${distinct.find((l) => Number(l) === max)}`);
    return { classOf, classes: max + 1 };
  }
  if (distinct.length > LIMITS.classes) throw tooMany(`${distinct.length.toLocaleString('en-US')} distinct labels`);
  const names = distinct.sort();
  return { classOf: new Map(names.map((l, i) => [l, i])), classes: names.length, names };
}

function shuffledSplit(all: Split, features: number, fraction: number, seed: number): [Split, Split] {
  const n = all.count;
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = mulberry32(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const nTest = Math.max(1, Math.round(n * fraction));
  const pick = (idx: number[]): Split => {
    idx.sort((p, q) => p - q);
    const x = new Float32Array(idx.length * features);
    const y = new Int32Array(idx.length);
    idx.forEach((i, s) => {
      x.set(all.x.subarray(i * features, (i + 1) * features), s * features);
      y[s] = all.y[i];
    });
    return { count: idx.length, x, y };
  };
  return [pick(order.slice(nTest)), pick(order.slice(0, nTest))];
}

export function loadCsv(path: string, o: CsvOptions = {}): Dataset {
  return csvDataset(readTable(path), o.testFile ? readTable(o.testFile) : null, o);
}

/** A dataset from CSV text (`source` names it in errors), split by o.testFraction. */
export function parseCsv(text: string, source: string, o: Omit<CsvOptions, 'testFile'> = {}): Dataset {
  return csvDataset(tableOf(text, source), null, o);
}

function csvDataset(train: Table, test: Table | null, o: CsvOptions): Dataset {
  const path = train.path;
  const labelCol = labelColumn(train, o.label);
  if (test && test.rows[0].fields.length !== train.rows[0].fields.length) {
    throw new UserError(`${o.testFile}: has ${test.rows[0].fields.length} columns but ${path} has ${train.rows[0].fields.length}; the test file needs the same columns.`);
  }
  const labels = [...train.rows, ...(test?.rows ?? [])].map((r) => r.fields[labelCol]);
  const { classOf, classes, names } = classMap(labels, path);
  if (classes < 2) throw new UserError(`${path}: the label column has a single class (${labels[0]}); a classifier needs at least 2.`);
  const features = train.rows[0].fields.length - 1;
  let trainSplit = toSplit(train, labelCol, classOf);
  let testSplit: Split;
  if (test) testSplit = toSplit(test, labelCol, classOf);
  else {
    const frac = o.testFraction ?? 0.2;
    if (!(frac > 0 && frac < 1)) throw new UserError(`--test-fraction ${frac}: must be between 0 and 1 (exclusive), e.g. 0.2.`);
    if (trainSplit.count < 2) throw new UserError(`${path}: one data row cannot be split into train and test; add rows or give a test file.`);
    [trainSplit, testSplit] = shuffledSplit(trainSplit, features, frac, o.splitSeed ?? 1);
  }
  return {
    name: `csv:${path}`,
    features,
    classes,
    classNames: names,
    train: trainSplit,
    test: testSplit,
    defaultEncoding: 'quantile:4',
    source: test ? `${path} + ${o.testFile}` : path,
  };
}
