// The HTML report (build/report.html): one self-contained page — inline CSS and SVG charts,
// no scripts, no network — with the numbers of a run: accuracies, training curves, op
// histograms before/after optimization, gates per layer, resources per part of the design.
// Rendering is a pure function of ReportData, so the page can be tested without a run.

import { readFileSync } from 'node:fs';

export interface Series {
  name: string;
  values: number[];
}

export interface ReportData {
  title: string;
  subtitle: string;
  /** Headline numbers as cards: [label, value, small note?]. */
  cards: [string, string, string?][];
  /** Per-epoch curves (x = epoch 1..n): loss in one chart, accuracies in another. */
  training?: { loss: Series[]; accuracy: Series[] };
  /** Gates per op (16 entries each), e.g. before and after optimization. */
  ops?: { names: string[]; series: Series[] };
  /** Gates per layer. */
  layers?: Series[];
  /** Logic cells per part of the design and the device's capacity. */
  resources?: { device: string; available: number; parts: { name: string; cells: number }[] };
  /** Extra tables: title, header, rows. */
  tables?: { title: string; header: string[]; rows: (string | number)[][] }[];
  footer: string;
}

const COLORS = ['#2563eb', '#f97316', '#16a34a', '#9333ea', '#dc2626', '#0891b2'];
const TEMPLATE_URL = new URL('../../templates/report.html', import.meta.url);

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A round upper bound for an axis, and the number of grid steps that keeps ticks round. */
function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 4, 5, 10]) if (m * p >= v * (1 - 1e-12)) return m * p;
  return 10 * p;
}

function tickSteps(max: number): number {
  const m = max / 10 ** Math.floor(Math.log10(max));
  return m === 2.5 || m === 5 ? 5 : 4;
}

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 0 });
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 3 : 1);
}

function legend(series: { name: string }[]): string {
  return `<div class="legend">${series.map((s, i) => `<span><i style="background:${COLORS[i % COLORS.length]}"></i>${esc(s.name)}</span>`).join('')}</div>`;
}

const W = 500, H = 250, L = 56, R = 12, T = 10, B = 42;

function axes(yMin: number, yMax: number, xLabel: string): string {
  let g = '';
  const n = tickSteps(yMax - yMin);
  for (let i = 0; i <= n; i++) {
    const v = yMin + ((yMax - yMin) * i) / n;
    const y = T + (H - T - B) * (1 - i / n);
    g += `<line x1="${L}" x2="${W - R}" y1="${y}" y2="${y}" stroke="#e4e7ec"/><text x="${L - 6}" y="${y + 4}" text-anchor="end">${fmt(v)}</text>`;
  }
  return g + `<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle">${esc(xLabel)}</text>`;
}

/**
 * A y range around the data, on steps of a nice size, clamped to [lo, hi]: accuracies that
 * all sit between 94 % and 96 % get a 0.93..0.97 axis, not 0..1 with flat lines at the top.
 */
export function zoomRange(values: number[], lo: number, hi: number): [number, number] {
  const v = values.filter(Number.isFinite);
  if (v.length === 0) return [lo, hi];
  const min = Math.min(...v), max = Math.max(...v);
  const step = niceMax(Math.max((max - min) / 4, (hi - lo) / 1000));
  const a = Math.max(lo, Math.floor(min / step - 0.5) * step);
  const b = Math.min(hi, Math.ceil(max / step + 0.5) * step);
  return b > a ? [Math.round(a * 1e9) / 1e9, Math.round(b * 1e9) / 1e9] : [lo, hi];
}

/** A line chart of series over x = 1..n. */
export function lineChart(series: Series[], xLabel: string, range?: [number, number]): string {
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const n = Math.max(...series.map((s) => s.values.length), 2);
  const yMin = range ? range[0] : Math.min(0, ...all);
  const yMax = range ? range[1] : niceMax(Math.max(...all, 0));
  const px = (i: number) => L + ((W - L - R) * i) / Math.max(n - 1, 1);
  const py = (v: number) => T + (H - T - B) * (1 - (v - yMin) / (yMax - yMin || 1));
  let g = axes(yMin, yMax, xLabel);
  for (let i = 0; i < n; i += Math.max(1, Math.ceil(n / 10))) g += `<text x="${px(i)}" y="${H - B + 14}" text-anchor="middle">${i + 1}</text>`;
  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length];
    const pts = s.values.map((v, i) => `${px(i).toFixed(1)},${py(v).toFixed(1)}`);
    g += `<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`;
    g += s.values.map((v, i) => `<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="2.5" fill="${c}"><title>${esc(s.name)} ${i + 1}: ${fmt(v)}</title></circle>`).join('');
  });
  return `<svg viewBox="0 0 ${W} ${H}" width="100%" role="img">${g}</svg>${legend(series)}`;
}

/** Grouped vertical bars, one group per category. */
export function barChart(categories: string[], series: Series[], xLabel: string): string {
  const yMax = niceMax(Math.max(...series.flatMap((s) => s.values), 1));
  const gw = (W - L - R) / categories.length;
  const bw = (gw * 0.8) / series.length;
  let g = axes(0, yMax, xLabel);
  categories.forEach((cat, i) => {
    const x0 = L + gw * i + gw * 0.1;
    series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const h = ((H - T - B) * v) / yMax;
      g += `<rect x="${(x0 + bw * k).toFixed(1)}" y="${(H - B - h).toFixed(1)}" width="${Math.max(bw - 1, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[k % COLORS.length]}"><title>${esc(cat)} · ${esc(s.name)}: ${fmt(v)}</title></rect>`;
    });
    const tx = L + gw * (i + 0.5);
    g += categories.length > 8
      ? `<text transform="translate(${tx.toFixed(1)},${H - B + 8}) rotate(40)" font-size="9">${esc(cat)}</text>`
      : `<text x="${tx.toFixed(1)}" y="${H - B + 14}" text-anchor="middle">${esc(cat)}</text>`;
  });
  return `<svg viewBox="0 0 ${W} ${H + (categories.length > 8 ? 40 : 0)}" width="100%" role="img">${g}</svg>${legend(series)}`;
}

/** One horizontal bar: parts stacked against the device's capacity. */
export function utilizationBar(parts: { name: string; cells: number }[], available: number): string {
  const used = parts.reduce((s, p) => s + p.cells, 0);
  const scale = Math.max(available, used);
  let x = 0;
  const rects = parts.map((p, k) => {
    const w = (1000 * p.cells) / scale;
    const r = `<rect x="${x.toFixed(1)}" y="0" width="${w.toFixed(1)}" height="28" fill="${COLORS[k % COLORS.length]}"><title>${esc(p.name)}: ${fmt(p.cells)} cells</title></rect>`;
    x += w;
    return r;
  });
  return `<svg viewBox="0 0 1000 28" width="100%" preserveAspectRatio="none" role="img"><rect width="1000" height="28" fill="#eef2f6"/>${rects.join('')}</svg>${legend(parts.map((p) => ({ name: `${p.name} ${fmt(p.cells)}` })))}`;
}

function htmlTable(header: string[], rows: (string | number)[][]): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number'));
  const cell = (v: string | number, i: number, tag: string) => `<${tag}${numeric[i] ? ' class="n"' : ''}>${esc(typeof v === 'number' ? fmt(v) : v)}</${tag}>`;
  return `<table><thead><tr>${header.map((h, i) => cell(h, i, 'th')).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((v, i) => cell(v, i, 'td')).join('')}</tr>`).join('')}</tbody></table>`;
}

export function renderReport(d: ReportData): string {
  const parts: string[] = [];
  parts.push(`<div class="cards">${d.cards.map(([k, v, s]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div>${s ? `<div class="s">${esc(s)}</div>` : ''}</div>`).join('')}</div>`);
  if (d.training) {
    parts.push(`<section><h2>Training</h2><div class="grid2"><div><h3>Loss</h3>${lineChart(d.training.loss, 'epoch')}</div><div><h3>Test accuracy (soft vs frozen)</h3>${lineChart(d.training.accuracy, 'epoch', zoomRange(d.training.accuracy.flatMap((x) => x.values), 0, 1))}</div></div></section>`);
  }
  if (d.ops || d.layers) {
    const ops = d.ops ? `<div><h3>Gates per op</h3>${barChart(d.ops.names, d.ops.series, '')}</div>` : '';
    const layers = d.layers ? `<div><h3>Gates per layer</h3>${barChart(d.layers[0].values.map((_, i) => String(i)), d.layers, 'layer')}</div>` : '';
    parts.push(`<section><h2>Network</h2><div class="grid2">${ops}${layers}</div></section>`);
  }
  if (d.resources) {
    const used = d.resources.parts.reduce((s, p) => s + p.cells, 0);
    parts.push(`<section><h2>Resources on ${esc(d.resources.device)}: ${fmt(used)} of ${fmt(d.resources.available)} logic cells (${((100 * used) / d.resources.available).toFixed(1)}%)</h2>${utilizationBar(d.resources.parts, d.resources.available)}</section>`);
  }
  for (const t of d.tables ?? []) parts.push(`<section><h2>${esc(t.title)}</h2>${htmlTable(t.header, t.rows)}</section>`);
  return readFileSync(TEMPLATE_URL, 'utf8')
    .replaceAll('{{TITLE}}', esc(d.title))
    .replace('{{SUBTITLE}}', esc(d.subtitle))
    .replace('{{FOOTER}}', esc(d.footer))
    .replace('{{BODY}}', () => parts.join('\n'));
}
