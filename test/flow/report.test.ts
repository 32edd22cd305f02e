import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OP_NAMES } from '../../src/netlist/gates.js';
import { renderReport, zoomRange, type ReportData } from '../../src/flow/report.js';

const sample: ReportData = {
  title: 'lgnc report — mnist-s <demo>',
  subtitle: 'trained on mnist, compiled for hx8k',
  cards: [['frozen accuracy (software)', '93.10%'], ['hardware accuracy (Verilator)', '93.10%', 'identical'], ['logic cells', '5,012 / 7,680']],
  training: {
    loss: [{ name: 'train loss', values: [2.1, 1.4, 0.9, 0.7] }],
    accuracy: [{ name: 'soft', values: [0.6, 0.8, 0.9, 0.93] }, { name: 'frozen', values: [0.55, 0.78, 0.89, 0.931] }],
  },
  ops: { names: [...OP_NAMES], series: [{ name: 'before', values: OP_NAMES.map((_, i) => 100 + i) }, { name: 'after', values: OP_NAMES.map((_, i) => 50 + i) }] },
  layers: [{ name: 'gates', values: [2000, 2000, 1000] }],
  resources: { device: 'hx8k', available: 7680, parts: [{ name: 'network', cells: 3000 }, { name: 'popcount', cells: 1500 }, { name: 'argmax', cells: 200 }, { name: 'shell', cells: 312 }] },
  tables: [{ title: 'Passes', header: ['pass', 'gates'], rows: [['const-fold', 123]] }],
  footer: 'lgnc 0.1.0',
};

describe('HTML report', () => {
  it('is one self-contained page: no scripts, no links to the network, text escaped', () => {
    const html = renderReport(sample);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script|https?:\/\/|<link /);
    expect(html).toContain('mnist-s &lt;demo&gt;');
    expect(html).toContain('5,012 of 7,680 logic cells (65.3%)');
    expect((html.match(/<svg /g) ?? []).length).toBe(5);
    expect(html).not.toContain('{{');
  });

  const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  it.skipIf(!chromium)('renders in headless Chromium (screenshot)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-report-'));
    const page = join(dir, 'report.html');
    writeFileSync(page, renderReport(sample));
    const png = join(dir, 'report.png');
    const r = spawnSync(chromium!, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${join(dir, 'profile')}`,
      '--window-size=1200,1800', `--screenshot=${png}`, `file://${page}`,
    ], { encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    // A blank page compresses to a few KB; charts and text make it far larger.
    expect(bytes.length).toBeGreaterThan(30_000);
  });
});

describe('report accuracy axis', () => {
  it('zooms the y axis to the data, within [0, 1]', () => {
    const [a, b] = zoomRange([0.9452, 0.9542, 0.9226, 0.9433], 0, 1);
    expect(a).toBeGreaterThan(0.85);
    expect(a).toBeLessThanOrEqual(0.9226);
    expect(b).toBeGreaterThanOrEqual(0.9542);
    expect(b).toBeLessThan(1.0000001);
    expect(zoomRange([], 0, 1)).toEqual([0, 1]);
    expect(zoomRange([0.02, 0.99], 0, 1)).toEqual([0, 1]);
  });
});
