// bench/hw: the hardware lgnc makes, on the real flow (Yosys synth_ice40 → nextpnr-ice40 →
// icepack, iCE40 HX8K, seed 1, router1 unless LGNC_BENCH_HW_ROUTER=router2, for the stream
// build LGNC_BENCH_HW_STREAM_ROUTER), for the default recipe's MNIST model (trained first
// when build/bench-hw/model.json is missing) and, with
// LGNC_BENCH_HW_LARGE=1, two larger ones (trained the same way, 4 epochs: the 7,000-gate
// 2000-2000-2000-1000 network and the mnist-8k preset's 8,000-gate one), or the models given
// as arguments:
//   - serial builds (today's default options: 8-bit serial shell, input vector in block RAM)
//     with Group-Sum/argmax as full adders + carry-chain adds with count bits as carry-ins
//     (ripple, the default; scan: its argmax an elimination scan), as gate-level adders (gates) and as carry-save adders +
//     carry-chain adds and comparators (chain);
//   - a stream build: compile --pipeline auto --freq 100, synth --shell stream --freq 100.
// Prints logic cells by region, Fmax, initiation interval and inferences/s, and writes
// bench/results/hw.json. One synthesis takes minutes. Run: npm run bench:hw [-- model.json …]
// LGNC_BENCH_HW_BUILDS=ripple,scan,gates,chain,fused,flat,stream picks the builds (scan: ripple
// with --argmax scan; flat: gates, --flatten).

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { compileToDir } from '../dist/emit/build.js';
import { synthesize } from '../dist/flow/synth.js';
import { saveNetlist } from '../dist/netlist/netlist.js';
import { defaultRecipe, train } from '../dist/train/index.js';

const out = 'build/bench-hw';
mkdirSync(out, { recursive: true });
const router = process.env.LGNC_BENCH_HW_ROUTER === 'router2' ? 'router2' : 'router1';

async function trained(name, width) {
  const file = join(out, `${name}.json`);
  if (!existsSync(file)) {
    process.stderr.write(`training ${name} (${width.join('-')}, ${defaultRecipe.epochs} epochs)…\n`);
    const t = await train({ ...defaultRecipe, width, threads: 2 }, () => {});
    saveNetlist(file, t.netlist);
  }
  return file;
}

let models = process.argv.slice(2);
if (models.length === 0) {
  models = [await trained('model', [...defaultRecipe.width])];
  if (process.env.LGNC_BENCH_HW_LARGE === '1') {
    models.push(await trained('model-7k', [2000, 2000, 2000, 1000]));
    models.push(await trained('model-8k', [2400, 2400, 2200, 1000]));
  }
}
const builds = (process.env.LGNC_BENCH_HW_BUILDS ?? 'ripple,scan,gates,chain,stream').split(',');
const rows = [];
const started = new Date().toISOString();
const load = [loadavg()[0]];
const save = () => writeFileSync(new URL('./results/hw.json', import.meta.url), JSON.stringify({
  bench: 'hw', date: started, device: 'hx8k', router, machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version,
  loadAverage: { start: load[0], samples: load }, rows,
}, null, 2) + '\n');

for (const model of models) {
  for (const b of builds) {
    const dir = join(out, `${basename(model, '.json')}-${b}`);
    const stream = b === 'stream';
    const m = compileToDir(model, dir, stream ? { pipeline: 'auto', freq: 100 } : b === 'scan' ? { arith: 'ripple', argmax: 'scan' } : { arith: b === 'flat' ? 'gates' : b });
    process.stderr.write(`${basename(model)} ${b}: synthesizing…\n`);
    const cpu0 = process.cpuUsage();
    const r = await synthesize(dir, { device: 'hx8k', router, seed: 1, ...(stream ? { shell: 'stream', freq: 100, ...(process.env.LGNC_BENCH_HW_STREAM_ROUTER ? { router: process.env.LGNC_BENCH_HW_STREAM_ROUTER } : {}) } : {}), ...(b === 'flat' ? { flatten: true } : {}) });
    const cpu = process.cpuUsage(cpu0);
    load.push(loadavg()[0]);
    const row = {
      model: basename(model), gates: m.stats.netlistGates, optimizedGates: m.stats.networkGates, build: b, arith: m.arith, pipeline: m.pipeline, shell: r.shell.kind, brams: r.shell.brams ?? 0,
      logicCells: r.resources.logicCells.used, lut4: r.resources.lut4.used, carry: r.resources.carry.used, dff: r.resources.dff.used, bram: r.resources.bram.used,
      regions: r.regions?.logicCells ?? null, fmaxMHz: r.timing.achievedMHz, requestedMHz: r.timing.requestedMHz, criticalPath: r.timing.criticalPath,
      initiationInterval: r.throughput.initiationInterval, latencyCycles: r.throughput.latencyCycles, inferencesPerSecond: r.throughput.inferencesPerSecond,
      stream: r.stream, delayLines: m.stats.delayLines ?? null, router: r.router, seconds: Math.round(r.totalMs / 1000), cpuSeconds: Math.round((cpu.user + cpu.system) / 1e6),
    };
    rows.push(row);
    save();
  }
}
const pad = (s, n) => String(s).padStart(n);
console.log(`${'model'.padEnd(14)} ${'build'.padEnd(7)} ${pad('cells', 6)} ${pad('network', 8)} ${pad('popcount', 9)} ${pad('argmax', 7)} ${pad('shell', 6)} ${pad('CARRY', 6)} ${pad('BRAM', 5)} ${pad('Fmax', 7)} ${pad('II', 4)} ${pad('inf/s', 12)}`);
for (const r of rows) {
  const g = r.regions;
  console.log(`${r.model.slice(0, 14).padEnd(14)} ${r.build.padEnd(7)} ${pad(r.logicCells, 6)} ${pad(g?.network ?? '—', 8)} ${pad(g?.popcount ?? '—', 9)} ${pad(g?.argmax ?? '—', 7)} ${pad(g?.shell ?? '—', 6)} ${pad(r.carry, 6)} ${pad(r.bram, 5)} ${pad(r.fmaxMHz?.toFixed(1) ?? 'n/a', 7)} ${pad(r.initiationInterval, 4)} ${pad(r.inferencesPerSecond?.toLocaleString('en-US') ?? 'n/a', 12)}`);
}
