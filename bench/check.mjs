// bench/check: time `lgnc check` (load + schema + semantic checks + summary) on random
// netlists of 10k, 100k and 1M gates, as a user runs it (a fresh CLI process each).
// Prints a table and writes bench/results/check.json. Run: npm run bench:check

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNetlist } from '../dist/netlist/netlist.js';
import { randomNetlist } from '../dist/netlist/random.js';

const CLI = new URL('../dist/cli/index.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lgnc-bench-check-'));
const sizes = [10_000, 100_000, 1_000_000];
const rows = [];
for (const gates of sizes) {
  const width = gates / 5;
  const net = randomNetlist({ inputs: 784, widths: [width, width, width, width, width], classes: 10, seed: 1 });
  const file = join(dir, `random-${gates}.json`);
  writeFileSync(file, formatNetlist(net));
  const times = [];
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [CLI, 'check', file, '--json'], { encoding: 'utf8' });
    times.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`check failed: ${r.stderr}`);
  }
  const best = Math.min(...times);
  rows.push({ gates, fileMB: +(statSync(file).size / 1e6).toFixed(1), bestSeconds: +best.toFixed(3), medianSeconds: +times.sort()[1].toFixed(3) });
}
rmSync(dir, { recursive: true, force: true });

console.log('lgnc check — whole CLI process (best and median of 3)\n');
console.log('gates      file MB  best s  median s');
for (const r of rows) console.log(`${String(r.gates).padStart(9)}  ${String(r.fileMB).padStart(7)}  ${r.bestSeconds.toFixed(3).padStart(6)}  ${r.medianSeconds.toFixed(3).padStart(8)}`);
const out = { bench: 'check', date: new Date().toISOString(), machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version, rows };
writeFileSync(new URL('./results/check.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
