// `lgnc compile MODEL -o DIR`: netlist → optimized gate IR → Verilog, plus the build manifest;
// with --emit c / wasm, software backends (C source, a WebAssembly module with its loader).

import type { Command } from 'commander';
import { ARGMAX_FORMS, type ArgmaxForm } from '../emit/arith.js';
import { ARITH_KINDS, compileToDir, DEFAULT_ARGMAX, DEFAULT_ARITH, EMIT_TARGETS, writtenFiles, type ArithKind, type BuildManifest, type EmitTarget } from '../emit/build.js';
import { UserError } from '../util/errors.js';
import { checkOutputPath } from '../util/files.js';
import { keyValues, printJson, table } from './output.js';

interface CompileCliOptions {
  out: string;
  top?: string;
  pipeline?: string;
  freq?: string;
  opt: boolean;
  emit: string;
  arith?: string;
  argmax?: string;
  json?: boolean;
}

export function registerCompile(program: Command): void {
  program
    .command('compile')
    .description('compile a netlist to synthesizable Verilog: optimize the gate IR, build popcount and argmax trees, write <top>.v, <top>.json (build manifest) and <top>.ir.json')
    .argument('<model>', 'netlist JSON file (lgn-netlist v1, or v2: conv trees are unrolled to gates)')
    .option('-o, --out <dir>', 'build folder to write into', 'build')
    .option('--top <name>', 'Verilog module (and file) name (default: the netlist name, sanitized)')
    .option('--pipeline <levels>', 'register every <levels> gate levels, or auto: as many levels per stage as the iCE40 delay model says fit --freq (adds clk, in_valid, out_valid; one result per clock)')
    .option('--freq <MHz>', 'clock target for --pipeline auto')
    .option('--arith <form>', 'Group-Sum and argmax in a combinational core: fused (chain, with the last layer\'s gates taken into the first adders), chain (carry-save adders + iCE40 carry-chain adds and comparators), ripple (full adders, then carry-chain adds that take count bits as carry-ins; LUT comparators; fewest cells measured) or gates (the gate-level adders of the optimized IR)', DEFAULT_ARITH)
    .option('--argmax <form>', 'argmax with --arith ripple, chain or fused: tree (a tournament of comparators and score muxes; fewer LUT levels) or scan (drops the classes below the maximum bit by bit, most significant first; fewer cells)', DEFAULT_ARGMAX)
    .option('--no-opt', 'skip the optimization passes: emit the network gate for gate (for comparison)')
    .option('--emit <targets>', 'what to write, comma-separated: verilog (<top>.v + manifest + IR), c (<top>.c + <top>.h), wasm (<top>.wasm + <top>.mjs loader)', 'verilog')
    .option('--json', 'print the build manifest as JSON')
    .addHelpText('after', `
Examples:
  $ lgnc compile model.json -o build/                 combinational core build/<name>.v
  $ lgnc compile model.json -o build/ --pipeline 4    registers every 4 gate levels
  $ lgnc compile model.json -o build/ --pipeline auto --freq 100   stages sized for 100 MHz
  $ lgnc compile model.json -o build/ --no-opt        the unoptimized network, for comparison
  $ lgnc compile model.json -o build/ --top core --json | jq .stats.lut4Estimate
  $ lgnc compile model.json --emit c -o out/          out/<top>.c + out/<top>.h (C99: <top>_classify, <top>_scores)
  $ lgnc compile model.json --emit wasm -o web/       web/<top>.wasm + web/<top>.mjs (classify(packed), scores(packed))

The LUT4 estimate is a greedy cut-based mapping of the gates (no synthesis run);
\`lgnc synth\` reports the real count.`)
    .action((model: string, opts: CompileCliOptions) => {
      const pipeline = parsePipeline(opts.pipeline);
      const emit = parseEmit(opts.emit);
      checkOutputPath(opts.out, 'folder', 'output folder (-o)');
      if (!ARITH_KINDS.includes(opts.arith as ArithKind)) throw new UserError(`--arith ${opts.arith}: must be one of ${ARITH_KINDS.join(', ')}`);
      if (!ARGMAX_FORMS.includes(opts.argmax as ArgmaxForm)) throw new UserError(`--argmax ${opts.argmax}: must be one of ${ARGMAX_FORMS.join(', ')}`);
      const quiet = opts.json || !!process.env.CI || !process.stderr.isTTY;
      const t0 = performance.now();
      const timings: Record<string, number> = {};
      const m = compileToDir(model, opts.out, {
        top: opts.top,
        pipeline,
        freq: opts.freq === undefined ? undefined : parseFreq(opts.freq),
        optimize: opts.opt,
        emit,
        arith: opts.arith as ArithKind,
        argmax: opts.argmax as ArgmaxForm,
        timings,
        onPhase: quiet ? undefined : (p) => process.stderr.write(`lgnc compile: ${p}…\n`),
      });
      const ms = performance.now() - t0;
      const files = writtenFiles(m);
      if (opts.json) return printJson({ ok: true, dir: opts.out, ...m, files, compileMs: Math.round(ms), timingsMs: timings });
      printReport(m, opts.out, ms, files);
    });
}

function parseFreq(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || n > 1000) throw new UserError(`--freq ${v}: a clock target in MHz, above 0 and at most 1000 (e.g. --freq 100)`);
  return n;
}

function parsePipeline(v: string | undefined): number | 'auto' | null {
  if (v === undefined) return null;
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new UserError(`--pipeline ${v}: give a whole number of gate levels per stage, 1 or more (e.g. --pipeline 4)`);
  return n;
}

function parseEmit(v: string): EmitTarget[] {
  const list = v.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = list.filter((t) => !EMIT_TARGETS.includes(t as EmitTarget));
  if (bad.length || list.length === 0) throw new UserError(`--emit ${v}: give one or more of ${EMIT_TARGETS.join(', ')}, comma-separated (e.g. --emit c or --emit verilog,wasm)`);
  return [...new Set(list)] as EmitTarget[];
}

function printReport(m: BuildManifest, dir: string, ms: number, files: string[]): void {
  const s = m.stats;
  const out = process.stdout;
  out.write(`${m.model}: compiled to module ${m.top} in ${(ms / 1000).toFixed(2)} s\n\n`);
  out.write(keyValues([
    ['gates', `${fmt(s.netlistGates)} in the netlist${s.netlistStoredGates !== s.netlistGates ? ` (${fmt(s.netlistStoredGates)} stored, conv trees unrolled at every position)` : ''} → ${fmt(s.networkGates)} network gates${m.optimized ? '' : ' (--no-opt)'}`],
    ['design', `${fmt(s.gates)} gates: network ${fmt(s.gatesByRegion.network)}, popcount ${fmt(s.gatesByRegion.popcount)}, argmax ${fmt(s.gatesByRegion.argmax)}`],
    ['removed', m.optimized ? `${pct(s.netlistGates - s.networkGates, s.netlistGates)} of the netlist gates` : 'nothing (--no-opt)'],
    ['levels', s.levels],
    ['popcount', `${m.classes} × ${fmt(m.outputsPerClass)} outputs → ${m.scoreWidth}-bit scores: ${fmt(s.popcount.fullAdders)} full adders, ${fmt(s.popcount.halfAdders)} half adders`],
    ['LUT4 (est.)', `${fmt(s.lut4Estimate)} (iCE40: HX1K 1,280, UP5K 5,280, HX8K 7,680 logic cells)`],
    ['timing', m.pipeline.every === null ? 'combinational (latency 0)' : `pipelined ${m.pipeline.auto ? `in stages of ${m.pipeline.auto.stages.join(', ')} levels` : `every ${m.pipeline.every} levels`}${m.pipeline.auto ? ` (auto for ${m.pipeline.auto.freqMHz} MHz: model at most ${m.pipeline.auto.stageNs} ns a stage, largest fanout ${m.pipeline.auto.maxFanout}${m.pipeline.auto.meets ? '' : '; the model says the target is out of reach'})` : ''}: latency ${m.pipeline.latency} cycles, ${fmt(s.registers)} register bits${s.delayLines?.lines ? ` + ${fmt(s.delayLines.bits)} output bits in ${s.delayLines.lines} delay line${s.delayLines.lines > 1 ? 's' : ''} (${s.delayLines.brams} block RAM${s.delayLines.brams > 1 ? 's' : ''} on an iCE40, instead of ${fmt(s.delayLines.registersSaved)} registers)` : ''}, one result per clock`],
  ]));
  if (s.passes.length) {
    out.write('\npasses\n');
    out.write(table(['phase', 'pass', 'runs', 'before', 'after', 'removed', 'added'],
      s.passes.map((p) => [p.phase, p.pass, p.runs, p.before, p.after, p.removed, p.added])));
  }
  const base = dir.replace(/\/+$/, '');
  out.write(`\nwrote ${files.map((f) => `${base}/${f}`).join(', ')}\n`);
}

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (n: number, d: number) => `${((100 * n) / Math.max(1, d)).toFixed(1)}%`;
