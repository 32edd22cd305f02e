// bench/demo: the README's results table — the whole road of `npm start` (train the default
// recipe on MNIST, compile, verify on the test split under Verilator, synthesize for HX8K),
// run as a user runs it, with its numbers printed as a table and written to
// bench/results/demo.json. Run: npm run bench:demo

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = new URL('../dist/cli/index.js', import.meta.url).pathname;
const out = mkdtempSync(join(tmpdir(), 'lgnc-bench-demo-'));
const t0 = performance.now();
const r = spawnSync(process.execPath, [CLI, 'demo', '-o', out, '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, CI: 'true' } });
const wall = (performance.now() - t0) / 1000;
if (r.status !== 0) throw new Error(`lgnc demo failed (exit ${r.status})`);
const d = JSON.parse(r.stdout);
rmSync(out, { recursive: true, force: true });

const row = {
  dataset: d.dataset.name,
  testSamples: d.dataset.samples,
  netlistGates: d.manifest.stats.netlistGates,
  optimizedNetworkGates: d.manifest.stats.networkGates,
  designGates: d.manifest.stats.gates,
  floatAccuracy: d.train.softTestAccuracy,
  frozenAccuracy: d.dataset.softwareAccuracy,
  hardwareAccuracy: d.dataset.hardwareAccuracy,
  device: d.synth.device.part,
  logicCells: d.synth.resources.logicCells.used,
  logicCellsAvailable: d.synth.resources.logicCells.available,
  fmaxMHz: d.synth.timing.achievedMHz,
  latencyCycles: d.synth.throughput.latencyCycles,
  inferencesPerSecond: d.synth.throughput.inferencesPerSecond,
  trainSeconds: +d.train.trainSeconds.toFixed(1),
  flowSeconds: d.seconds,
  wallSeconds: +wall.toFixed(1),
};
const pct = (x) => `${(100 * x).toFixed(2)}%`;
console.log('\nlgnc demo (npm start) — default recipe, MNIST, iCE40 HX8K\n');
console.log(['dataset', 'gates', 'float / frozen / hardware', 'logic cells', 'Fmax', 'inferences/s', 'train', 'total'].join(' | '));
console.log([
  row.dataset, `${row.netlistGates} → ${row.optimizedNetworkGates}`, `${pct(row.floatAccuracy)} / ${pct(row.frozenAccuracy)} / ${pct(row.hardwareAccuracy)}`,
  `${row.logicCells} / ${row.logicCellsAvailable}`, `${row.fmaxMHz?.toFixed(1)} MHz`, Math.round(row.inferencesPerSecond ?? 0),
  `${row.trainSeconds} s`, `${row.wallSeconds} s`,
].join(' | '));
const result = { bench: 'demo', date: new Date().toISOString(), machine: `${cpus().length}× ${cpus()[0]?.model}`, loadAverageAtEnd: loadavg()[0], node: process.version, rows: [row] };
writeFileSync(new URL('./results/demo.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
