// bench/compile: time and peak memory of compiling (netlist file → optimized IR → Verilog,
// manifest and IR written) random netlists of 10k, 100k and 1M gates, each run in a fresh
// process so peaks are separate; plus what the optimizer makes of a random 6×8000 net
// (784 inputs, 10 classes). Prints tables and writes bench/results/compile.json.
// Run: npm run bench:compile

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileToDir } from '../dist/emit/build.js';
import { formatNetlist } from '../dist/netlist/netlist.js';
import { randomNetlist } from '../dist/netlist/random.js';

const SELF = new URL(import.meta.url).pathname;

// Child mode: compile one file, report wall/CPU time, phase timings and peak RSS as JSON.
if (process.argv[2] === '--child') {
  const [, , , file, outDir, pipeline] = process.argv;
  const timings = {};
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const m = compileToDir(file, outDir, { timings, pipeline: pipeline ? Number(pipeline) : null });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const maxRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(JSON.stringify({ wallMs: wall, cpuMs: (cpu.user + cpu.system) / 1000, maxRssMB, timings, stats: m.stats, latency: m.pipeline.latency }));
  process.exit(0);
}

function runChild(file, outDir, pipeline) {
  const r = spawnSync(process.execPath, [SELF, '--child', file, outDir, pipeline ? String(pipeline) : ''], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`compile failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const dir = mkdtempSync(join(tmpdir(), 'lgnc-bench-compile-'));
const sizes = [10_000, 100_000, 1_000_000];
const rows = [];
for (const gates of sizes) {
  const width = gates / 5;
  const file = join(dir, `random-${gates}.json`);
  writeFileSync(file, formatNetlist(randomNetlist({ inputs: 784, widths: Array(5).fill(width), classes: 10, seed: 1 })));
  const reps = 3;
  const runs = Array.from({ length: reps }, () => runChild(file, join(dir, 'out')));
  const best = runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const vBytes = statSync(join(dir, 'out', `random_1.v`)).size;
  rows.push({
    gates,
    fileMB: +(statSync(file).size / 1e6).toFixed(1),
    bestSeconds: +(best.wallMs / 1000).toFixed(2),
    cpuSeconds: +(Math.min(...runs.map((r) => r.cpuMs)) / 1000).toFixed(2),
    peakRssMB: Math.round(Math.max(...runs.map((r) => r.maxRssMB))),
    phasesMs: best.timings,
    emittedGates: best.stats.gates,
    levels: best.stats.levels,
    verilogMB: +(vBytes / 1e6).toFixed(1),
  });
}

// The 6×8000 reference shape (difflogic's MNIST size), combinational and pipelined.
const net6 = join(dir, 'random-6x8000.json');
writeFileSync(net6, formatNetlist(randomNetlist({ inputs: 784, widths: Array(6).fill(8000), classes: 10, seed: 1, name: 'random_6x8000' })));
const comb = runChild(net6, join(dir, 'out6'));
const piped = runChild(net6, join(dir, 'out6p'), 4);
const s = comb.stats;
const sixByEight = {
  netlistGates: s.netlistGates,
  networkGates: s.networkGates,
  removedFraction: +((s.netlistGates - s.networkGates) / s.netlistGates).toFixed(3),
  designGates: s.gates,
  gatesByRegion: s.gatesByRegion,
  fullAdders: s.popcount.fullAdders,
  halfAdders: s.popcount.halfAdders,
  levels: s.levels,
  lut4Estimate: s.lut4Estimate,
  pipeline4: { latency: piped.latency, registers: piped.stats.registers },
  seconds: +(comb.wallMs / 1000).toFixed(2),
};
rmSync(dir, { recursive: true, force: true });

const pad = (v, n) => String(v).padStart(n);
console.log('lgnc compile — netlist file → Verilog + manifest + IR, fresh process per run (random nets, 784 inputs, 5 equal layers, 10 classes)\n');
console.log('    gates  file MB  best s  CPU s  peak RSS MB  emitted gates  levels  .v MB');
for (const r of rows) {
  console.log(`${pad(r.gates, 9)}  ${pad(r.fileMB, 7)}  ${pad(r.bestSeconds.toFixed(2), 6)}  ${pad(r.cpuSeconds.toFixed(2), 5)}  ${pad(r.peakRssMB, 11)}  ${pad(r.emittedGates, 13)}  ${pad(r.levels, 6)}  ${pad(r.verilogMB, 5)}`);
}
console.log('\nphases of the best run (ms):');
for (const r of rows) console.log(`${pad(r.gates, 9)}  ${Object.entries(r.phasesMs).map(([k, v]) => `${k} ${v}`).join(', ')}`);
const x = sixByEight;
console.log(`\nrandom 6×8000 (784 inputs, 10 classes): ${x.netlistGates} → ${x.networkGates} network gates (${(100 * x.removedFraction).toFixed(1)}% removed); ` +
  `design ${x.designGates} gates (popcount ${x.gatesByRegion.popcount}: ${x.fullAdders} FA + ${x.halfAdders} HA, argmax ${x.gatesByRegion.argmax}); ` +
  `${x.levels} levels; est. ${x.lut4Estimate} LUT4; --pipeline 4: latency ${x.pipeline4.latency}, ${x.pipeline4.registers} register bits; ${x.seconds} s`);
const out = { bench: 'compile', date: new Date().toISOString(), machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version, rows, random6x8000: sixByEight };
writeFileSync(new URL('./results/compile.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
