// bench/verify: vectors per second through Verilator for a 6×8000-gate random network
// (784 inputs, 10 classes, like MNIST-S), combinational core, at the simulator's C++
// optimization levels (--opt O0,Os by default). For each: the first build (fresh cache:
// Verilator + g++ of the model and runtime), simulation of 20,000 random vectors (the
// harness's simulation loop only, and the whole verifyBuild call: reference evaluation,
// vector files, process start, comparison), and a second verifyBuild that reuses the cache.
// Prints a table and writes bench/results/verify.json. Run: npm run bench:verify

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileToDir } from '../dist/emit/build.js';
import { verifyBuild } from '../dist/flow/verify.js';
import { saveNetlist } from '../dist/netlist/netlist.js';
import { randomNetlist } from '../dist/netlist/random.js';

const optArg = process.argv.indexOf('--opt');
const opts = optArg > 0 ? process.argv[optArg + 1].split(',') : ['O0', 'Os'];
const VECTORS = 20_000;

const dir = mkdtempSync(join(tmpdir(), 'lgnc-bench-verify-'));
process.env.LGNC_CACHE_DIR = join(dir, 'cache'); // first builds are measured cold
const model = join(dir, 'bench6x8000.json');
saveNetlist(model, randomNetlist({ inputs: 784, widths: Array(6).fill(8000), classes: 10, seed: 1, name: 'bench6x8000' }));
const build = join(dir, 'build');
const manifest = compileToDir(model, build, {});

const rows = [];
for (const opt of opts) {
  const log = (line) => process.stderr.write(`  ${line}\n`);
  const t0 = performance.now();
  const first = await verifyBuild({ build, count: VECTORS, seed: 1, simOpt: opt, log });
  const firstSeconds = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  const again = await verifyBuild({ build, count: VECTORS, seed: 2, simOpt: opt });
  const againSeconds = (performance.now() - t1) / 1000;
  for (const r of [first, again]) if (!r.ok) throw new Error(`verify found mismatches at -${opt}: ${JSON.stringify(r.checks[0].first[0])}`);
  const c = again.checks[0];
  rows.push({
    opt,
    buildSeconds: +first.checks[0].buildSeconds.toFixed(1),
    vectors: VECTORS,
    simSeconds: +c.simSeconds.toFixed(3),
    vectorsPerSecond: Math.round(c.vectorsPerSecond),
    verifySecondsFirst: +firstSeconds.toFixed(1),
    verifySecondsCached: +againSeconds.toFixed(2),
  });
}
rmSync(dir, { recursive: true, force: true });

const network = { gates: manifest.stats.netlistGates, emittedGates: manifest.stats.gates, levels: manifest.stats.levels, inputs: 784, classes: 10 };
console.log(`lgnc verify — 6×8000 random network (${network.emittedGates.toLocaleString('en-US')} gates after optimization), ${VECTORS.toLocaleString('en-US')} random vectors\n`);
console.log('opt  build s  simulated vectors/s  verify s (first)  verify s (cached)');
for (const r of rows) {
  console.log(`${r.opt.padEnd(3)}  ${r.buildSeconds.toFixed(1).padStart(7)}  ${r.vectorsPerSecond.toLocaleString('en-US').padStart(19)}  ${r.verifySecondsFirst.toFixed(1).padStart(16)}  ${r.verifySecondsCached.toFixed(2).padStart(17)}`);
}
const out = { bench: 'verify', date: new Date().toISOString(), machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version, network, rows };
writeFileSync(new URL('./results/verify.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
