// `lgnc flow MODEL -o DIR`: compile → verify → synth → report, stopping at the first failure.

import { Command, Option } from 'commander';
import { join } from 'node:path';
import { BOARDS } from '../flow/boards.js';
import { DEVICES } from '../flow/devices.js';
import { renderReport } from '../flow/report.js';
import { flowReportData } from '../flow/report-data.js';
import { runFlow, type FlowOptions, type FlowResult } from '../flow/run-flow.js';
import { loadNetlist } from '../netlist/netlist.js';
import { UserError } from '../util/errors.js';
import { checkOutputPath, writeFileAtomic } from '../util/files.js';
import { wholeNumberOption } from '../netlist/limits.js';
import { keyValues, printJson } from './output.js';

interface FlowCliOptions {
  output: string;
  top?: string;
  pipeline?: number;
  vectors: number;
  dataset: boolean;
  datasetLimit?: number;
  seed?: number;
  device: string;
  package?: string;
  board?: string;
  shell?: 'serial' | 'none';
  freq?: number;
  router?: 'router1' | 'router2';
  maxLcs?: number;
  minFmax?: number;
  synth: boolean;
  json?: boolean;
}

function num(flag: string, min = 0) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new UserError(`${flag} ${JSON.stringify(v)}: must be a number >= ${min}`);
    return n;
  };
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const int = (x: number) => x.toLocaleString('en-US');

/** The summary a person reads at the end of a flow (also used by `lgnc demo`). */
export function flowSummary(r: FlowResult, reportPath: string): string {
  const m = r.manifest;
  const s = r.synth;
  const pairs: [string, string | number][] = [];
  if (r.dataset) {
    pairs.push([`accuracy, ${r.dataset.name} test (software, frozen)`, `${pct(r.dataset.softwareAccuracy)} of ${int(r.dataset.samples)}`]);
    pairs.push([`accuracy, ${r.dataset.name} test (hardware, Verilator)`, `${pct(r.dataset.hardwareAccuracy)}${r.dataset.hardwareAccuracy === r.dataset.softwareAccuracy ? ' (identical)' : ' (DIFFERS)'}`]);
  }
  pairs.push(['verified vectors', r.verify.map((v) => `${int(v.vectors.count)} ${v.vectors.source}: ${v.checks.reduce((n, c) => n + c.mismatches, 0)} mismatches`).join('; ') || 'none']);
  pairs.push(['gates', `${int(m.stats.netlistGates)} in the netlist → ${int(m.stats.networkGates)} after optimization (+ ${int(m.stats.gatesByRegion.popcount)} popcount, ${int(m.stats.gatesByRegion.argmax)} argmax)`]);
  if (s) {
    const lc = s.resources.logicCells;
    pairs.push(['logic cells', `${int(lc.used)} of ${int(lc.available)} on ${s.device.part}-${s.device.package} (${((100 * lc.used) / lc.available).toFixed(1)}%)`]);
    pairs.push(['Fmax', s.timing.achievedMHz === null ? 'n/a' : `${s.timing.achievedMHz.toFixed(1)} MHz (requested ${s.timing.requestedMHz} MHz)`]);
    pairs.push(['latency', `${s.throughput.latencyCycles} cycles (${s.throughput.beats} input beats${s.throughput.coreLatency ? ` + core ${s.throughput.coreLatency}` : ''})`]);
    pairs.push(['inferences/s', s.throughput.inferencesPerSecond === null ? 'n/a' : int(Math.round(s.throughput.inferencesPerSecond))]);
    pairs.push(['bitstream', join(s.dir, s.bitstream.file)]);
  }
  pairs.push(['report', reportPath]);
  pairs.push(['time', `compile ${r.seconds.compile.toFixed(1)} s, verify ${r.seconds.verify.toFixed(1)} s, synth ${r.seconds.synth.toFixed(1)} s`]);
  return keyValues(pairs);
}

/** Runs the flow and writes DIR/report.html; shared by `flow` and `demo`. */
export async function flowWithReport(model: string, o: FlowOptions): Promise<{ result: FlowResult; report: string }> {
  const result = await runFlow(model, o);
  const report = join(o.out, 'report.html');
  writeFileAtomic(report, renderReport(flowReportData(result, loadNetlist(model), o.out)));
  return { result, report };
}

export function registerFlow(program: Command): void {
  program
    .command('flow')
    .description('the whole road for one model: compile → verify (test split + random vectors) → synth → build/report.html')
    .argument('<model>', 'netlist JSON file')
    .option('-o, --output <dir>', 'build folder', 'build')
    .option('--top <name>', 'Verilog module name (default: the netlist name, sanitized)')
    .option('--pipeline <levels>', 'register every K gate levels (default: combinational core)', (v) => wholeNumberOption('--pipeline', v, 1))
    .option('--vectors <n>', 'random vectors to verify with, besides the test split', (v) => wholeNumberOption('--vectors', v, 0, 'vectors'), 2000)
    .option('--no-dataset', "skip verifying on the model's own dataset test split")
    .option('--dataset-limit <n>', 'verify on at most this many test samples', (v) => wholeNumberOption('--dataset-limit', v, 1, 'samples'))
    .option('--seed <n>', 'seed for random vectors and placement', (v) => wholeNumberOption('--seed', v, 0, 'seed'))
    .addOption(new Option('--device <device>', 'iCE40 device').choices(DEVICES.map((d) => d.name)).default('hx8k'))
    .option('--package <package>', "package (default: the device's usual one)")
    .addOption(new Option('--board <board>', 'build for a board (UART top, pins, clock)').choices(BOARDS.map((b) => b.name)))
    .addOption(new Option('--shell <shell>', 'serial (default) or none').choices(['serial', 'none']))
    .option('--freq <MHz>', 'target clock (default 50)', num('--freq'))
    .addOption(new Option('--router <router>', 'nextpnr router: router1 (higher Fmax) or router2 (several times faster)').choices(['router1', 'router2']))
    .option('--max-lcs <n>', 'budget: fail (exit 1) above this many logic cells', num('--max-lcs'))
    .option('--min-fmax <MHz>', 'budget: fail (exit 1) below this Fmax', num('--min-fmax'))
    .option('--no-synth', 'stop after verification')
    .option('--json', 'print the flow result as JSON')
    .addHelpText('after', `
Writes DIR/<top>.v, the build manifest, DIR/<top>.bin, DIR/report.json (synthesis),
DIR/flow.json (everything) and DIR/report.html (charts and numbers, no network needed).

Examples:
  $ lgnc flow model.json -o build/                       compile, verify, synthesize for HX8K
  $ lgnc flow model.json --pipeline 4 --device up5k
  $ lgnc flow model.json --max-lcs 7000 --min-fmax 40    fail CI when over budget
  $ lgnc flow model.json --no-synth --vectors 100000     verification only`)
    .action(async (model: string, o: FlowCliOptions) => {
      const log = o.json && !process.stderr.isTTY ? undefined : (line: string) => process.stderr.write(`${line}\n`);
      checkOutputPath(o.output, 'folder', 'output folder (-o)');
      const { result, report } = await flowWithReport(model, {
        out: o.output, top: o.top, pipeline: o.pipeline ?? null, vectors: o.vectors, dataset: o.dataset, datasetLimit: o.datasetLimit,
        seed: o.seed, device: o.device, package: o.package, board: o.board, shell: o.shell, freq: o.freq, router: o.router, maxLcs: o.maxLcs,
        minFmax: o.minFmax, synth: o.synth, log,
      });
      if (o.json) printJson({ ok: true, ...result, report });
      else process.stdout.write(`\n${flowSummary(result, report)}`);
    });
}
