// `lgnc verify [MODEL] [--build DIR]`: simulate the compiled core under Verilator and check it
// bit for bit against the reference evaluator (plus, optionally, the synthesized netlist and a
// formal proof). Exit 1 on any mismatch.

import type { Command } from 'commander';
import { Option } from 'commander';
import { encode, loadDataset } from '../data/index.js';
import { readBuildManifest } from '../emit/build.js';
import { POST_SYNTH_TARGETS, type PostSynthTarget } from '../flow/postsynth.js';
import { compileAndVerify, loadBuildModel, verifyBuild, type Mismatch, type VerifyOptions, type VerifyReport } from '../flow/verify.js';
import type { BitSlices } from '../netlist/evaluate.js';
import { loadNetlist, type AnyNetlist } from '../netlist/netlist.js';
import { readVectors, type VectorFormat } from '../netlist/vectors.js';
import { SIM_OPTS, type SimOpt } from '../flow/verilator.js';
import { CheckFailed, UserError } from '../util/errors.js';
import { wholeNumberOption } from '../netlist/limits.js';
import { keyValues, printJson, table } from './output.js';

interface VerifyCliOptions {
  build?: string;
  top?: string;
  pipeline?: string;
  vectors?: string;
  seed: string;
  vectorsFile?: string;
  format: VectorFormat;
  dataset?: string;
  split: 'test' | 'train';
  limit?: string;
  postSynth?: boolean | string;
  formal?: boolean;
  formalMaxGates?: string;
  simOpt?: SimOpt;
  json?: boolean;
}

function wholeNumber(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`${flag} ${v}: must be a whole number >= ${min}.`);
  return n;
}

/** The model's own encoding applied to a dataset split. */
function datasetVectors(net: AnyNetlist, model: string, name: string, split: 'test' | 'train', limit?: number): { x: BitSlices; source: string } {
  if (!net.encoding) {
    throw new UserError(`${model} has no input encoding: --dataset needs the model's thresholds (models from lgnc train have them). Give vectors with --vectors-file instead.`);
  }
  const d = loadDataset(name, { limit });
  if (d.features !== net.encoding.features) {
    throw new UserError(`--dataset ${name}: ${d.features} features per sample, the model's encoding expects ${net.encoding.features}. Is the model trained on another dataset?`);
  }
  const s = d[split];
  return { x: encode(net.encoding, s.x, s.count), source: `dataset ${name} ${split} (${s.count} samples, the model's encoding)` };
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('prove by simulation (Verilator) that the compiled Verilog computes exactly what the netlist computes')
    .argument('[model]', 'netlist JSON file (default: the model named in the build manifest)')
    .option('--build <dir>', 'build folder from lgnc compile (default: compile MODEL into a temporary folder; with no MODEL: build/)')
    .option('--top <name>', 'which build in the folder, when it holds several (or the module name when compiling here)')
    .option('--pipeline <levels>', 'when compiling MODEL here: gate levels per pipeline stage')
    .option('--vectors <n>', 'check N seeded random vectors (default: all 2^N when the network has <= 20 inputs, else 10000)')
    .option('--seed <n>', 'seed of the random vectors', '1')
    .option('--vectors-file <file>', 'check the vectors of a file (text 0/1 lines, or packed .bin as lgnc eval reads)')
    .addOption(new Option('--format <fmt>', 'format of --vectors-file').choices(['auto', 'text', 'bin']).default('auto'))
    .option('--dataset <name>', "check a dataset split through the model's own encoding (mnist, fashion-mnist, monk1..3, csv:PATH)")
    .addOption(new Option('--split <split>', 'dataset split for --dataset').choices(['test', 'train']).default('test'))
    .option('--limit <n>', 'with --dataset: the first N samples only')
    .option('--post-synth [target]', `also simulate the Yosys-synthesized netlist: ${POST_SYNTH_TARGETS.join(' or ')} (default ice40)`)
    .option('--formal', 'also prove with Yosys (miter + SAT) that the optimized design equals the --no-opt design for all inputs')
    .option('--formal-max-gates <n>', 'skip --formal above this many gates', '2000')
    .addOption(new Option('--sim-opt <level>', 'C++ optimization of the simulator: O0 builds fastest, Os simulates fastest (default: Os for small designs, O0 for big ones)').choices(SIM_OPTS))
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Examples:
  $ lgnc compile model.json -o build/ && lgnc verify --build build/
  $ lgnc verify fixtures/full-adder.json                 compile to a temporary folder, check all 8 inputs
  $ lgnc verify model.json --build build/ --vectors 100000 --seed 7
  $ lgnc verify model.json --build build/ --dataset mnist --limit 1000
  $ lgnc verify --build build/ --post-synth --formal     also the synthesized netlist, and a proof
  $ lgnc verify --build build/ --json | jq '.checks[0].vectorsPerSecond'

Needs verilator (sudo apt-get install verilator). Simulators are cached by content hash in
$LGNC_CACHE_DIR (default <tmpdir>/lgnc-cache), so a second verify of the same build is fast.
Exit 1 when any vector's scores or class differ (the first mismatches are listed).`)
    .action(async (model: string | undefined, o: VerifyCliOptions) => {
      const log = (line: string) => process.stderr.write(`verify: ${line}\n`);
      const postSynth: boolean | PostSynthTarget | undefined = o.postSynth === true ? 'ice40' : (o.postSynth as PostSynthTarget | undefined);
      if (typeof postSynth === 'string' && !POST_SYNTH_TARGETS.includes(postSynth)) {
        throw new UserError(`--post-synth ${postSynth}: use one of ${POST_SYNTH_TARGETS.join(', ')}`);
      }
      const build = o.build ?? (model === undefined ? 'build' : undefined);
      if (build !== undefined && o.pipeline !== undefined) throw new UserError('--pipeline applies when verify compiles MODEL itself; with --build, compile with lgnc compile --pipeline instead.');
      if ([o.vectors, o.vectorsFile, o.dataset].filter((v) => v !== undefined).length > 1) {
        throw new UserError('give one of --vectors, --vectors-file, --dataset.');
      }
      const opts: Omit<VerifyOptions, 'build'> = {
        top: o.top,
        count: o.vectors === undefined ? undefined : wholeNumberOption('--vectors', o.vectors, 1, 'vectors'),
        seed: wholeNumber('--seed', o.seed, 0),
        postSynth,
        formal: o.formal,
        formalMaxGates: wholeNumber('--formal-max-gates', o.formalMaxGates, 0),
        simOpt: o.simOpt,
        log,
      };
      if (o.vectorsFile !== undefined || o.dataset !== undefined) {
        // The netlist fixes the vector width and the encoding.
        const net = build === undefined ? loadNetlist(model!) : loadBuildModel(readBuildManifest(build, o.top), build, model).net;
        const modelPath = model ?? readBuildManifest(build!, o.top).model;
        if (o.vectorsFile !== undefined) {
          opts.vectors = readVectors(o.vectorsFile, net.inputs, o.format);
          opts.vectorSource = `file ${o.vectorsFile}`;
        } else {
          const d = datasetVectors(net, modelPath, o.dataset!, o.split, wholeNumber('--limit', o.limit, 1));
          opts.vectors = d.x;
          opts.vectorSource = d.source;
        }
      }
      const report = build === undefined
        ? await compileAndVerify(model!, { ...opts, pipeline: wholeNumber('--pipeline', o.pipeline, 1) ?? null })
        : await verifyBuild({ ...opts, build, model });
      if (report.ok) {
        if (o.json) printJson(report);
        else process.stdout.write(formatVerifyReport(report));
        return;
      }
      const message = failureMessage(report);
      if (!o.json) {
        process.stdout.write(formatVerifyReport(report));
        throw new CheckFailed(message);
      }
      // One JSON document with the whole report (mismatches included), then exit 1.
      process.stderr.write(`lgnc: error: ${message}\n`);
      await new Promise<void>((done) => process.stdout.write(JSON.stringify({ ...report, error: message, exitCode: 1 }, null, 2) + '\n', () => done()));
      process.exit(1);
    });
}

function failureMessage(r: VerifyReport): string {
  const bad = r.checks.filter((c) => c.mismatches > 0 || c.validErrors > 0);
  const parts = bad.map((c) => `${c.design}: ${c.mismatches} of ${r.vectors.count} vectors differ${c.validErrors ? `, ${c.validErrors} out_valid errors` : ''}${c.first.length ? ` (first at vector ${c.first[0].index})` : ''}`);
  if (r.formal?.status === 'failed') parts.push(`formal: ${r.formal.detail}`);
  for (const c of r.stream ?? []) {
    if (c.ok) continue;
    if (c.uart) parts.push(`stream ${c.design} through ${c.uart.top}: answers ${c.uart.answers.map((a) => JSON.stringify(a)).join(', ') || 'none'}; expected "${c.uart.expected}"`);
    else parts.push(`stream ${c.design}: signature ${c.signature}, ${c.cycles} cycles${c.done ? '' : ' (never done)'}; expected ${c.expected.signature}, ${c.expected.cycles} cycles`);
  }
  return `the hardware does not match the reference evaluator: ${parts.join('; ')}`;
}

function rate(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)} M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)} k`;
  return v.toFixed(0);
}

function describeMismatch(m: Mismatch): string[] {
  const lines = [`  vector ${m.index}: x = ${m.x.length > 64 ? `${m.x.slice(0, 64)}… (bit 0 first)` : `${m.x} (bit 0 first)`}`];
  if (!m.got) return [...lines, '    no result came out of the pipeline'];
  for (const c of m.classes) lines.push(`    class ${c} score: expected ${m.expected.scores[c]}, got ${m.got.scores[c]}`);
  if (m.expected.classId !== m.got.classId) lines.push(`    class_id: expected ${m.expected.classId}, got ${m.got.classId}`);
  if (m.latency) lines.push(`    latency: expected ${m.latency.expected} rising edges, got ${m.latency.got}`);
  return lines;
}

export function formatVerifyReport(r: VerifyReport): string {
  const timing = r.pipeline.every === null ? 'combinational' : `pipelined every ${r.pipeline.every} levels, latency ${r.pipeline.latency}`;
  const rows = r.checks.map((c) => [c.design, r.vectors.count, c.mismatches, `${rate(c.vectorsPerSecond)}/s`, c.cached ? `cached (-${c.simOpt})` : `${c.buildSeconds.toFixed(1)} s (-${c.simOpt})`]);
  const out = [
    keyValues([
      ['core', `${r.top} (${timing}) in ${r.buildDir}`],
      ['model', `${r.model} (${r.inputs} inputs, ${r.classes} classes)`],
      ['vectors', `${r.vectors.count.toLocaleString('en-US')}, ${r.vectors.source}`],
    ]),
    table(['design', 'vectors', 'mismatches', 'simulated', 'build'], rows),
  ];
  for (const c of r.checks) {
    if (c.validErrors) out.push(`${c.design}: out_valid wrong at ${c.validErrors} rising edges (high with no result due, or low when one was)\n`);
    if (c.first.length) out.push(`${c.design}: first mismatches\n${c.first.flatMap(describeMismatch).join('\n')}\n`);
  }
  if (r.formal) {
    const f = r.formal;
    out.push(`formal: ${f.status} — ${f.detail}${f.counterexample ? `; distinguishing input x = ${f.counterexample} (bit 0 first)` : ''} (${f.seconds.toFixed(1)} s)\n`);
  }
  for (const c of r.stream ?? []) {
    if (c.uart) out.push(`stream ${c.design} board top ${c.uart.top}: self-test command sent ${c.uart.answers.length === 1 ? 'once' : `${c.uart.answers.length} times`} over uart_rx, answers ${c.uart.answers.map((a) => `"${a}"`).join(', ')} (expected "${c.uart.expected}"): ${c.ok ? 'match' : 'MISMATCH'}\n`);
    out.push(`stream ${c.design}: ${c.expected.count.toLocaleString('en-US')} vectors, signature ${c.signature} (expected ${c.expected.signature}), ${c.cycles.toLocaleString('en-US')} cycles (expected ${c.expected.cycles.toLocaleString('en-US')}): ${c.ok ? 'match' : 'MISMATCH'} (built ${c.buildSeconds.toFixed(1)} s, simulated ${c.simSeconds.toFixed(1)} s)\n`);
  }
  out.push(r.ok ? `OK: 0 mismatches in ${r.vectors.count.toLocaleString('en-US')} vectors (${r.seconds.toFixed(1)} s)\n` : 'FAILED\n');
  return out.join('\n');
}
