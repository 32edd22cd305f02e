// `lgnc synth BUILD_DIR`: synthesize a compiled build to an iCE40 bitstream with a resource
// and timing report (Yosys → nextpnr-ice40 → icepack, in-process), with CI budgets.

import { Command, Option } from 'commander';
import { BOARDS } from '../flow/boards.js';
import { DEVICES } from '../flow/devices.js';
import { enforceBudgets, synthesize, type SynthOptions, type SynthReport } from '../flow/synth.js';
import { UserError } from '../util/errors.js';
import { checkOutputPath } from '../util/files.js';
import { keyValues, printJson, table } from './output.js';

/** The flags are the library's options, plus --json. */
type SynthCliOptions = Omit<SynthOptions, 'onProgress' | 'bramBuffer'> & { json?: boolean; bramBuffer?: 'auto' | 'on' | 'off' | false };

function num(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new UserError(`${flag} ${JSON.stringify(v)}: not a number`);
    return n;
  };
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('synthesize a compiled build to an iCE40 bitstream (Yosys, nextpnr-ice40, icepack) and report resources and Fmax')
    .argument('<build-dir>', 'folder written by `lgnc compile`')
    .option('--top <name>', 'which build in the folder, when it holds several')
    .addOption(new Option('--device <device>', 'iCE40 device (default up5k)').choices(DEVICES.map((d) => d.name)))
    .option('--package <package>', "package (default: the device's usual one, e.g. sg48 for up5k)")
    .addOption(new Option('--board <board>', 'build for a board: UART board top, its pins and clock (with --shell stream: the UART self-test top)').choices(BOARDS.map((b) => b.name)))
    .addOption(new Option('--shell <shell>', 'serial: inputs arrive --shell-width bits per clock, outputs registered; stream: on-chip vector source, one inference per clock, results folded into a signature; none: the bare core (default serial)').choices(['serial', 'stream', 'none']))
    .option('--stream-count <n>', 'stream shell: vectors to run before done (default 2^20)', num('--stream-count'))
    .option('--shell-width <bits>', 'serial shell: input bits per clock (default 8)', num('--shell-width'))
    .option('--scores', 'serial shell: also output the registered class scores (costs pins)')
    .addOption(new Option('--bram-buffer <where>', 'serial shell and board tops: keep the input vector in the block RAMs (on), in flip-flops (off: a logic cell per input bit, routes faster on a full chip), or auto: block RAMs unless the core fills about half the device').choices(['auto', 'on', 'off']))
    .option('--no-bram-buffer', 'the same as --bram-buffer off')
    .option('--freq <MHz>', 'target clock for place and route (default 50, or the board clock)', num('--freq'))
    .option('--seed <n>', 'nextpnr placement seed (default 1)', num('--seed'))
    .addOption(new Option('--router <router>', 'nextpnr router: router1 (higher Fmax) or router2 (several times faster)').choices(['router1', 'router2']).default(undefined, 'router1'))
    .addOption(new Option('--lut-map <map>', 'Yosys LUT mapping: abc (a gate-level ABC pass first, then ABC; the argmax with area recovery: fewer cells) or abc9 (Yosys\'s default, timing-driven); default abc for combinational cores, abc9 for pipelined ones').choices(['abc', 'abc9']))
    .option('--flatten', 'synthesize the core flat: no logic cells by region, a few % fewer cells (Yosys merges logic across regions)')
    .option('--max-lcs <n>', 'budget: fail (exit 1) above this many logic cells', num('--max-lcs'))
    .option('--min-fmax <MHz>', 'budget: fail (exit 1) below this Fmax', num('--min-fmax'))
    .option('--json', 'print the report as JSON')
    .addHelpText('after', `
Writes BUILD_DIR/<top>.bin (program it with iceprog), BUILD_DIR/report.json, the generated
wrapper Verilog and BUILD_DIR/synth.log (the tools' logs).

Examples:
  $ lgnc synth build/                                   serial shell on an UP5K (sg48)
  $ lgnc synth build/ --device hx8k --freq 100          aim for 100 MHz on an HX8K
  $ lgnc synth build/ --board icebreaker                UART top: send packed bits, get the class byte
  $ lgnc synth build/ --shell stream --board hx8k-breakout   self-test on the board: send 'S', get signature and cycles
  $ lgnc synth build/ --max-lcs 4000 --min-fmax 24      CI budget: exit 1 when exceeded
  $ lgnc synth build/ --shell none --device hx8k        the bare core (needs a pin per bit)
  $ lgnc compile model.json -o build/ --pipeline 2 && lgnc synth build/ --shell stream --device hx8k --freq 100
                                                        one inference per clock; lgnc verify --build build/ checks the signature
  $ lgnc synth build/ --json | jq .resources.logicCells

Inferences/s = Fmax / initiation interval; the serial shell takes a vector every
ceil(inputs / width) cycles (beats back to back), so a pipelined core with --shell-width >=
inputs runs one inference per clock.`)
    .action(async (dir: string, o: SynthCliOptions) => {
      const quietProgress = !!o.json && !process.stderr.isTTY;
      checkOutputPath(dir, 'folder', 'build folder');
      const r = await synthesize(dir, {
        ...o,
        bramBuffer: o.bramBuffer === 'on' ? true : o.bramBuffer === 'off' || o.bramBuffer === false ? false : 'auto',
        onProgress: quietProgress ? undefined : (line) => process.stderr.write(`synth: ${line}\n`),
      });
      if (o.json) {
        if (r.ok) printJson(r);
      } else process.stdout.write(formatReport(r));
      enforceBudgets(r);
    });
}

function latencyText(r: SynthReport): string {
  const th = r.throughput;
  if (r.shell.kind === 'uart') return `${th.latencyCycles.toLocaleString('en-US')} cycles (${th.beats} bytes in + 1 byte out over the UART)`;
  if (r.shell.kind === 'none') return th.latencyCycles ? `${th.latencyCycles} cycles (the core's pipeline)` : '0 cycles (combinational core)';
  if (r.shell.kind === 'stream') return `${th.latencyCycles} cycles (1 to load the vector${th.coreLatency ? ` + core ${th.coreLatency}` : ''})`;
  const ram = r.shell.brams ? ` + 1 to read the block RAM buffer` : '';
  return `${th.latencyCycles} cycles (${th.beats} input beats${th.coreLatency ? ` + 1 + core ${th.coreLatency}` : ''}${ram})`;
}

function pct(u: { used: number; available: number }): string {
  return u.available ? `${((100 * u.used) / u.available).toFixed(1)}%` : '';
}

export function formatReport(r: SynthReport): string {
  const res = r.resources;
  const rows: (string | number)[][] = [
    ['logic cells', res.logicCells.used, res.logicCells.available, pct(res.logicCells)],
    ['LUT4', res.lut4.used, res.lut4.available, pct(res.lut4)],
    ['DFF', res.dff.used, res.dff.available, pct(res.dff)],
    ['CARRY', res.carry.used, res.carry.available, pct(res.carry)],
    ['I/O', res.io.used, res.io.available, pct(res.io)],
    ['BRAM', res.bram.used, res.bram.available, pct(res.bram)],
  ];
  const t = r.timing;
  const cp = t.criticalPath;
  const th = r.throughput;
  const shell = r.shell.kind === 'serial' ? `serial, ${r.shell.width} bits per clock${r.shell.scores ? ', with scores' : ''}${r.shell.bramBuffer ? `, input vector in ${r.shell.brams ? `${r.shell.brams} ` : ''}${r.shell.bramBuffer}` : ''}`
    : r.shell.kind === 'uart' ? `UART board top (${r.board})`
    : r.shell.kind === 'stream' ? `stream: on-chip source, one vector per clock, ${r.stream!.count.toLocaleString('en-US')} vectors into a 64-bit MISR` : 'none (bare core)';
  const lines = [
    `${r.dir}/${r.bitstream.file}: ${r.bitstream.bytes.toLocaleString('en-US')} bytes, ${r.device.part}-${r.device.package}${r.board ? ` on ${r.board}` : ''} (top ${r.top})`,
    '',
    table(['resource', 'used', 'available', 'share'], rows),
    keyValues([
      ['shell', shell],
      ['Fmax', t.achievedMHz === null ? `n/a (no clocked paths; requested ${t.requestedMHz} MHz)` : `${t.achievedMHz.toFixed(2)} MHz (requested ${t.requestedMHz} MHz: ${t.met ? 'met' : 'NOT met'})`],
      ['critical path', cp ? `${cp.delayNs.toFixed(2)} ns (logic ${cp.logicNs.toFixed(2)}, routing ${cp.routingNs.toFixed(2)}), ${cp.logicLevels} cells: ${cp.startpoint} → ${cp.endpoint}` : 'n/a'],
      ['latency', latencyText(r)],
      ['initiation interval', `${th.initiationInterval.toLocaleString('en-US')} cycles`],
      ['inferences/s', th.inferencesPerSecond === null ? 'n/a' : th.inferencesPerSecond.toLocaleString('en-US')],
      ['LUT4 estimate', `${r.lut4Estimate.compiler} for the core (compiler) vs ${r.lut4Estimate.yosys} for the whole top (Yosys), ratio ${r.lut4Estimate.ratio}`],
      ['steps', r.steps.map((s) => `${s.step} ${(s.ms / 1000).toFixed(1)} s`).join(', ') + `; total ${(r.totalMs / 1000).toFixed(1)} s`],
      ['seed', `${r.seed} (nextpnr ${r.router})`],
      ['LUT mapping', r.lutMap === 'abc' ? 'abc (ABC after a gate-level ABC pass; the argmax with area recovery)' : 'abc9 (Yosys default)'],
      ['tools', `${r.tools.yosys}; @yowasp/yosys ${r.tools.yowaspYosys}; @yowasp/nextpnr-ice40 ${r.tools.yowaspNextpnrIce40}`],
    ]),
  ];
  if (r.regions) {
    const g = r.regions.logicCells;
    const y = r.regions.yosys;
    lines.push(table(['region', 'logic cells', 'LUT4', 'CARRY'], [
      ['network', g.network, y.network.lut4, y.network.carry],
      [`popcount (${r.regions.arith})`, g.popcount, y.popcount.lut4, y.popcount.carry],
      [`argmax (${r.regions.arith})`, g.argmax, y.argmax.lut4, y.argmax.carry],
      [r.shell.kind === 'none' ? 'other' : 'shell', g.shell, '', ''],
    ]));
    lines.push('logic cells by region: counted on the placed design (each region kept as its own module through synthesis; --flatten trades this for a few % fewer cells)\n');
  }
  if (r.stream) {
    const file = `${r.dir}/${r.top.replace(/_uart$/, '')}.json`;
    lines.push(`stream self-test: after ${r.stream.count.toLocaleString('en-US')} vectors (seed ${r.stream.seed}) the hardware must show signature ${r.stream.signature} and cycles ${r.stream.cycles.toLocaleString('en-US')} (written to ${file}; lgnc verify --build ${r.dir} checks it under Verilator)\n`);
  }
  if (r.selfTest) {
    const st = r.selfTest;
    lines.push([
      `on the board (iceprog ${r.dir}/${r.bitstream.file}): ${st.format}.`,
      `  expected answer: ${st.answer}`,
      `  (one run of ${r.stream!.count.toLocaleString('en-US')} vectors takes ${(st.runSeconds * 1000).toFixed(1)} ms at the board clock; a cycle count of vectors + ${r.throughput.latencyCycles} proves one inference per clock)`,
      `  check it (Linux; the board's UART is usually the FTDI's second port, /dev/ttyUSB1):`,
      `  $ ${st.check}`,
      '',
    ].join('\n'));
  }
  if (r.budgets.failures.length) lines.push(`budget: FAILED — ${r.budgets.failures.join('; ')}\n`);
  else if (r.budgets.maxLcs !== null || r.budgets.minFmaxMHz !== null) lines.push('budget: ok\n');
  return lines.join('\n');
}
