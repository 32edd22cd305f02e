// bench/synth: what a logic gate network costs on an iCE40 HX8K. Random 784-input, 10-class
// networks of 6 layers × N gates (and any netlists given as arguments, e.g. a trained MNIST
// model), each compiled with the optimizer and with --no-opt, then synthesized in one process
// (serial shell, 8 bits per clock, --freq 50, seed 1): logic cells, LUT4s (Yosys) next to the
// compiler's LUT4 estimate, Fmax, and the wall time of each tool step. The estimate is
// compared with Yosys's LUT4 count for the bare core (one extra Yosys run without the
// shell), so the shell's own LUTs do not blur the ratio.
// Prints a table and writes bench/results/synth.json. Run: npm run bench:synth [-- model.json …]
// LGNC_BENCH_NO_OPT=0 skips the --no-opt builds. LGNC_BENCH_PIPELINE=K adds a third build per model: optimized and pipelined every K levels.
// LGNC_BENCH_WIDTHS=250,500 picks the random sizes ('' for none); --append adds the rows to
// the existing results file instead of replacing it.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { compileToDir } from '../dist/emit/build.js';
import { synthesize } from '../dist/flow/synth.js';
import { groupCells, synthIce40 } from '../dist/flow/yosys.js';
import { formatNetlist } from '../dist/netlist/netlist.js';
import { randomNetlist } from '../dist/netlist/random.js';

const DEVICE = 'hx8k';
const widths = (process.env.LGNC_BENCH_WIDTHS ?? '250,500,1000').split(',').filter(Boolean).map(Number);
const append = process.argv.includes('--append');
const dir = mkdtempSync(join(tmpdir(), 'lgnc-bench-synth-'));
const models = [];
for (const n of widths) {
  const file = join(dir, `random-6x${n}.json`);
  writeFileSync(file, formatNetlist(randomNetlist({ inputs: 784, widths: Array(6).fill(n), classes: 10, seed: 1, name: `random_6x${n}` })));
  models.push({ name: `random 6×${n}`, file });
}
for (const file of process.argv.slice(2).filter((a) => a !== '--append')) models.push({ name: basename(file, '.json'), file });

const rows = [];
const resultsFile = new URL('./results/synth.json', import.meta.url);
const earlier = append ? JSON.parse(readFileSync(resultsFile, 'utf8')).rows : [];
function save() {
  const out = { bench: 'synth', date: new Date().toISOString(), device: DEVICE, machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version, rows: [...earlier, ...rows] };
  writeFileSync(resultsFile, JSON.stringify(out, null, 2) + '\n');
}
for (const { name, file } of models) {
  const builds = [{ optimize: true, pipeline: null }];
  if (process.env.LGNC_BENCH_NO_OPT !== '0') builds.push({ optimize: false, pipeline: null });
  if (process.env.LGNC_BENCH_PIPELINE) builds.push({ optimize: true, pipeline: Number(process.env.LGNC_BENCH_PIPELINE) });
  for (const { optimize, pipeline } of builds) {
    const out = join(dir, `${basename(file, '.json')}-${optimize ? 'opt' : 'noopt'}-p${pipeline ?? 0}`);
    const m = compileToDir(file, out, { optimize, pipeline });
    const row = { model: name, optimized: optimize, pipeline, latency: m.pipeline.latency, netlistGates: m.stats.netlistGates, gates: m.stats.gates, lut4Estimate: m.stats.lut4Estimate };
    process.stderr.write(`${name}${optimize ? '' : ' --no-opt'}${pipeline ? ` --pipeline ${pipeline}` : ''}: ${m.stats.gates} gates\n`);
    try {
      const r = await synthesize(out, { device: DEVICE, seed: 1, freq: 50, onProgress: (l) => process.stderr.write(`  ${l}\n`) });
      const core = await synthIce40({ [m.verilog]: readFileSync(join(out, m.verilog), 'utf8') }, m.top);
      const coreLut4 = groupCells(core.cells).lut4;
      process.stderr.write(`  yosys (bare core): ${coreLut4} LUT4\n`);
      const step = Object.fromEntries(r.steps.map((s) => [s.step, +(s.ms / 1000).toFixed(1)]));
      Object.assign(row, {
        fits: true,
        logicCells: r.resources.logicCells.used,
        lut4: r.resources.lut4.used,
        dff: r.resources.dff.used,
        carry: r.resources.carry.used,
        coreLut4: coreLut4,
        estimateRatio: +(m.stats.lut4Estimate / coreLut4).toFixed(3),
        fmaxMHz: r.timing.achievedMHz,
        inferencesPerSecond: r.throughput.inferencesPerSecond,
        yosysSeconds: step.yosys,
        nextpnrSeconds: step.nextpnr,
        icepackSeconds: step.icepack,
      });
    } catch (err) {
      Object.assign(row, { fits: false, error: err.message });
    }
    rows.push(row);
    save(); // after every row: a long run that is stopped keeps what it measured
  }
}
rmSync(dir, { recursive: true, force: true });

const label = (r) => (r.optimized ? (r.pipeline ? `opt, pipe ${r.pipeline}` : 'opt') : 'no-opt').padEnd(11);
const pad = (v, w) => String(v ?? '').padStart(w);
console.log(`lgnc synth on ${DEVICE} (serial shell, 8 bits/clock, seed 1)\n`);
console.log('model            build        gates   est LUT4  core LUT4  ratio  LCs    Fmax MHz  yosys s  nextpnr s  icepack s');
for (const r of rows) {
  if (!r.fits) {
    console.log(`${r.model.padEnd(16)} ${label(r)}  ${pad(r.gates, 6)}  ${pad(r.lut4Estimate, 8)}  — ${r.error}`);
    continue;
  }
  console.log(`${r.model.padEnd(16)} ${label(r)}  ${pad(r.gates, 6)}  ${pad(r.lut4Estimate, 8)}  ${pad(r.coreLut4, 9)}  ${pad(r.estimateRatio.toFixed(2), 5)}  ${pad(r.logicCells, 5)}  ${pad(r.fmaxMHz?.toFixed(1), 8)}  ${pad(r.yosysSeconds, 7)}  ${pad(r.nextpnrSeconds, 9)}  ${pad(r.icepackSeconds, 9)}`);
}

