// bench/hw: the hardware lgnc makes, on the real flow (Yosys synth_ice40 → nextpnr-ice40
// router2 → icepack, iCE40 HX8K, seed 1), for the models given as arguments (default: the
// default recipe's MNIST model, trained first when build/bench-hw/model.json is missing):
//   - serial builds (8-bit serial shell) with each arithmetic form: gates (gate-level full
//     adders and comparators), chain (carry-save adders + carry-chain adds/comparators) and
//     fused (chain with the last layer inside the popcount), regions kept, plus the gates
//     build flattened;
//   - a stream build: compile --pipeline auto --freq 100, synth --shell stream --freq 100.
// Prints logic cells by region, Fmax, initiation interval and inferences/s, and writes
// bench/results/hw.json. Run: npm run bench:hw [-- model.json …]
// LGNC_BENCH_HW_BUILDS=gates,chain,fused,flat,stream picks the builds.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, join } from 'node:path';
import { compileToDir } from '../dist/emit/build.js';
import { synthesize } from '../dist/flow/synth.js';
import { saveNetlist } from '../dist/netlist/netlist.js';
import { defaultRecipe, train } from '../dist/train/index.js';

const out = 'build/bench-hw';
mkdirSync(out, { recursive: true });
let models = process.argv.slice(2);
if (models.length === 0) {
  const file = join(out, 'model.json');
  if (!existsSync(file)) {
    process.stderr.write('training the default recipe (lgnc train --dataset mnist)…\n');
    const t = await train({ ...defaultRecipe, width: [...defaultRecipe.width], threads: 2 }, () => {});
    saveNetlist(file, t.netlist);
  }
  models = [file];
}
const builds = (process.env.LGNC_BENCH_HW_BUILDS ?? 'gates,chain,fused,flat,stream').split(',');
const rows = [];
const save = () => writeFileSync(new URL('./results/hw.json', import.meta.url), JSON.stringify({
  bench: 'hw', date: new Date().toISOString(), device: 'hx8k', router: 'router2', machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version, rows,
}, null, 2) + '\n');

for (const model of models) {
  for (const b of builds) {
    const dir = join(out, `${basename(model, '.json')}-${b}`);
    const stream = b === 'stream';
    const m = compileToDir(model, dir, stream ? { pipeline: 'auto', freq: 100 } : { arith: b === 'flat' ? 'gates' : b });
    process.stderr.write(`${basename(model)} ${b}: synthesizing…\n`);
    const r = await synthesize(dir, { device: 'hx8k', router: 'router2', seed: 1, ...(stream ? { shell: 'stream', freq: 100 } : {}), ...(b === 'flat' ? { flatten: true } : {}) });
    const row = {
      model: basename(model), build: b, arith: m.arith, pipeline: m.pipeline, shell: r.shell.kind,
      logicCells: r.resources.logicCells.used, lut4: r.resources.lut4.used, carry: r.resources.carry.used, dff: r.resources.dff.used,
      regions: r.regions?.logicCells ?? null, fmaxMHz: r.timing.achievedMHz, requestedMHz: r.timing.requestedMHz,
      initiationInterval: r.throughput.initiationInterval, inferencesPerSecond: r.throughput.inferencesPerSecond,
      stream: r.stream, seconds: Math.round(r.totalMs / 1000),
    };
    rows.push(row);
    save();
  }
}
const pad = (s, n) => String(s).padStart(n);
console.log(`${'model'.padEnd(14)} ${'build'.padEnd(7)} ${pad('cells', 6)} ${pad('network', 8)} ${pad('popcount', 9)} ${pad('argmax', 7)} ${pad('shell', 6)} ${pad('CARRY', 6)} ${pad('Fmax', 7)} ${pad('II', 4)} ${pad('inf/s', 12)}`);
for (const r of rows) {
  const g = r.regions;
  console.log(`${r.model.slice(0, 14).padEnd(14)} ${r.build.padEnd(7)} ${pad(r.logicCells, 6)} ${pad(g?.network ?? '—', 8)} ${pad(g?.popcount ?? '—', 9)} ${pad(g?.argmax ?? '—', 7)} ${pad(g?.shell ?? '—', 6)} ${pad(r.carry, 6)} ${pad(r.fmaxMHz?.toFixed(1) ?? 'n/a', 7)} ${pad(r.initiationInterval, 4)} ${pad(r.inferencesPerSecond?.toLocaleString('en-US') ?? 'n/a', 12)}`);
}
