// `synthesize(dir, opts)`: a compiled build folder → an iCE40 bitstream and a report.
// Steps: wrap the core in a shell (serial by default, stream, or a board's UART top; stream
// with a board: the UART self-test top) → Yosys
// synth_ice40 → capacity check from Yosys's cell counts → nextpnr-ice40 → icepack.
// Writes DIR/<top>.bin, DIR/<shell>.v (the generated wrapper Verilog), DIR/synth.log (the
// tools' logs) and DIR/report.json, all atomically.
// Guarantees: a design that cannot fit is refused with "needs N logic cells, <device> has M"
// (exit 1), never a tool crash; budgets (--max-lcs, --min-fmax) are checked after the
// bitstream and report are written and fail with exit 1 and the reason; the same design
// and seed give a byte-identical bitstream (the tools run single-threaded, seeded).

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { coreInterface, readBuildManifest, type BuildManifest } from '../emit/build.js';
import { CheckFailed, UserError } from '../util/errors.js';
import { LIMITS } from '../netlist/limits.js';
import { readFileOrFail, writeFileAtomic } from '../util/files.js';
import { LGNC_VERSION } from '../util/version.js';
import { findBoard, type Board } from './boards.js';
import { findDevice, findPackage, type Device } from './devices.js';
import { icepack, nextpnrPackageVersion, placeAndRoute, type NextpnrReport } from './nextpnr.js';
import { autoBramBuffer, bufferBrams, clocksPerBit, coreOnlyPins, readAsset, serialShell, serialShellPins, serialTiming, uartTop, type CoreInterface, type ShellTiming } from './shell.js';
import { groupCells, minLogicCells, synthIce40, synthMapping, yosysPackageVersion, type LutMap } from './yosys.js';
import { checkStreamCount, DEFAULT_STREAM_COUNT, expectedStream, selfTest, streamShell, streamShellPins, streamUartTop, type SelfTest, type StreamExpectation, type StreamFile } from './stream.js';
import { parseNetlist } from '../netlist/netlist.js';
import { REGION_INSTANCES } from '../emit/regions.js';

export type ShellKind = 'serial' | 'stream' | 'none';

export interface SynthOptions {
  /** Which build in DIR (when it holds several). */
  top?: string;
  device?: string;
  package?: string;
  /** A board: sets device and package, uses the UART board top and the board's pins. */
  board?: string;
  shell?: ShellKind;
  /** Input bits per clock for the serial shell (default 8). */
  shellWidth?: number;
  /** Serial shell: also output the registered class scores. */
  scores?: boolean;
  /**
   * Serial shell and board tops: keep the input vector in the device's block RAMs (true),
   * in flip-flops (false), or 'auto' (the default): block RAMs unless the core fills about
   * half the device (shell.ts, autoBramBuffer).
   */
  bramBuffer?: boolean | 'auto';
  /** Stream shell: vectors to run (default 2^20). */
  streamCount?: number;
  /** Target clock in MHz (default: the board clock, else 50). */
  freq?: number;
  seed?: number;
  /** LUT mapping (yosys.ts synthCommand): default 'abc' for combinational cores, 'abc9' for pipelined ones. */
  lutMap?: LutMap;
  /** nextpnr's router (default router1; router2 routes several times faster at a somewhat lower Fmax). */
  router?: 'router1' | 'router2';
  /** Flatten the core before synthesis: no per-region breakdown, and Yosys/ABC may merge logic across regions (a few % fewer cells). */
  flatten?: boolean;
  maxLcs?: number;
  minFmax?: number;
  /** One line per step ("yosys: …"), for progress on stderr. */
  onProgress?: (line: string) => void;
}

export interface Used {
  used: number;
  available: number;
}

export interface CriticalPath {
  from: string;
  to: string;
  /** Total delay in ns, and how much of it is logic and routing. */
  delayNs: number;
  logicNs: number;
  routingNs: number;
  /** Logic cells the path goes through. */
  logicLevels: number;
  startpoint: string;
  endpoint: string;
}

export interface SynthReport {
  format: 'lgnc-synth-report';
  version: 1;
  ok: boolean;
  dir: string;
  top: string;
  core: string;
  model: string;
  optimized: boolean;
  /** The synthesized top: the shell, the board top, or the bare core. */
  /** brams: block RAMs the input buffer uses; bramBuffer: where the vector is kept, and why. */
  shell: { kind: ShellKind | 'uart'; width: number | null; scores: boolean; verilog: string | null; brams?: number; bramBuffer?: string };
  /** Stream shell: the run and the signature the hardware must end with (from the reference evaluator). */
  stream: StreamExpectation | null;
  /** Stream shell on a board (--shell stream --board): the UART self-test command, the answer the board must give and how to check it. */
  selfTest: SelfTest | null;
  board: string | null;
  device: { name: string; part: string; package: string; logicCells: number; userIo: number };
  resources: { logicCells: Used; lut4: Used; dff: Used; carry: Used; io: Used; bram: Used };
  /** Yosys's cell counts by type, as `stat` gave them. */
  yosysCells: Record<string, number>;
  /** The compiler's LUT4 estimate of the core (manifest stats) next to Yosys's count for the whole synthesized top (shell included). */
  lut4Estimate: { compiler: number; yosys: number; ratio: number };
  timing: {
    clock: string | null;
    requestedMHz: number;
    achievedMHz: number | null;
    met: boolean | null;
    criticalPath: CriticalPath | null;
  };
  throughput: ShellTiming & { inferencesPerSecond: number | null; definition: string };
  bitstream: { file: string; bytes: number; sha256: string };
  seed: number;
  router: 'router1' | 'router2';
  /** How Yosys mapped the logic to LUT4s: 'abc' (-noabc9 -abc2, the argmax with area recovery) or 'abc9'. */
  lutMap: LutMap;
  tools: { yosys: string; yowaspYosys: string; yowaspNextpnrIce40: string; lgnc: string };
  steps: { step: string; ms: number }[];
  totalMs: number;
  budgets: { maxLcs: number | null; minFmaxMHz: number | null; failures: string[] };
  /**
   * Logic cells by region, measured on the placed design: the core's regions are kept apart
   * through synthesis (one module each) and every placed logic cell is counted under the
   * region its name comes from; `shell` is everything outside the core's regions (shell,
   * board top, constants). null for builds without regions (pipelined cores).
   */
  regions: RegionCells | null;
  /** nextpnr's own report, minus the (long) critical paths. */
  nextpnr: Pick<NextpnrReport, 'utilization' | 'fmax'>;
}

export interface RegionCells {
  logicCells: { network: number; popcount: number; argmax: number; shell: number };
  /** Yosys's cells of each region module (LUT4, CARRY, DFF), as synthesized. */
  yosys: Record<'network' | 'popcount' | 'argmax', { lut4: number; carry: number; dff: number }>;
  /** The core's arithmetic form ('chain' or 'gates'). */
  arith: string;
}

/** Counts placed logic cells by the region instance in their hierarchical names. */
export function regionCells(names: string[], moduleCells: Record<string, Record<string, number>>, top: string, arith: string): RegionCells {
  const lc = { network: 0, popcount: 0, argmax: 0, shell: 0 };
  for (const n of names) {
    const parts = n.split('.');
    const r = (Object.keys(REGION_INSTANCES) as (keyof typeof REGION_INSTANCES)[]).find((k) => parts.includes(REGION_INSTANCES[k]));
    lc[(r as keyof typeof lc | undefined) ?? 'shell']++;
  }
  const y = (k: string) => { const g = groupCells(moduleCells[`${top}_${k}`] ?? {}); return { lut4: g.lut4, carry: g.carry, dff: g.dff }; };
  return { logicCells: lc, yosys: { network: y('network'), popcount: y('popcount'), argmax: y('argmax') }, arith };
}

const DEFAULT_FREQ_MHZ = 50;
const DEFAULT_SHELL_WIDTH = 8;

interface Plan {
  topModule: string;
  sources: Record<string, string>;
  /** Generated wrapper files to write into the build folder. */
  generated: Record<string, string>;
  pins: number;
  pcf?: string;
  timing: ShellTiming;
  shell: SynthReport['shell'];
  stream?: StreamExpectation;
  selfTest?: SelfTest;
}

/** Decides what to synthesize: the sources, the top module, the pins it needs. */
function plan(m: BuildManifest, coreVerilog: string, o: SynthOptions, board: Board | undefined, device: Device): Plan {
  const deviceBrams = device.bram;
  const core = coreInterface(m);
  // The core's delay lines take block RAMs first; the serial shell's input buffer gets the rest.
  const coreBrams = m.stats.delayLines?.brams ?? 0;
  if (coreBrams > deviceBrams) throw new CheckFailed(`design does not fit: the core's delay lines need ${coreBrams} block RAMs, the device has ${deviceBrams}. Use a larger device or fewer pipeline stages.`);
  const auto = o.bramBuffer === undefined || o.bramBuffer === 'auto' ? autoBramBuffer(core, m.stats.lut4Estimate ?? 0, device.logicCells) : undefined;
  const useBrams = auto ? auto.on : o.bramBuffer === true;
  const brams = useBrams ? deviceBrams - coreBrams : 0;
  const how = auto ? `auto: ${auto.why}` : `--bram-buffer ${useBrams ? 'on' : 'off'}`;
  const buffer = (n: number) => ({
    brams: n,
    bramBuffer: n > 0 ? `block RAMs (${how})` : brams > 0 ? 'flip-flops (the vector spans only a beat or two)' : `flip-flops (${how})`,
  });
  const coreFile = { [m.verilog]: coreVerilog };
  if (o.shell === 'stream') {
    const count = o.streamCount ?? DEFAULT_STREAM_COUNT;
    const so = { count, seed: o.seed ?? 1 };
    const net = parseNetlist(readFileOrFail(m.model, 'model netlist').toString('utf8'), m.model);
    const stream = expectedStream(net, core, so);
    const timing: ShellTiming = { beats: 1, coreLatency: core.latency, latencyCycles: core.latency + 1, initiationInterval: 1 };
    const expect = (top: string, uart?: StreamFile['uart']): Record<string, string> => {
      const f: StreamFile = { format: 'lgnc-stream', version: 1, top, core: m.top, ...stream, ...(uart ? { uart } : {}) };
      return { [`${top}.json`]: JSON.stringify(f, null, 2) + '\n' };
    };
    if (board) {
      // The board top: the stream shell answers the UART self-test command.
      const uo = { clockHz: board.clockHz, baud: board.baud };
      const t = streamUartTop(core, { ...so, ...uo });
      const uart = { top: t.name, board: board.name, ...uo, clocksPerBit: clocksPerBit(uo) };
      return {
        topModule: t.name,
        sources: { ...coreFile, ...t.files },
        generated: { ...t.files, ...expect(t.shell.name, uart) },
        pins: 3,
        pcf: readAsset(board.pcf),
        timing,
        shell: { kind: 'stream', width: null, scores: true, verilog: `${t.name}.v` },
        stream,
        selfTest: selfTest(stream, uo),
      };
    }
    const st = streamShell(core, so);
    const file = `${st.name}.v`;
    return {
      topModule: st.name,
      sources: { ...coreFile, [file]: st.verilog },
      generated: { [file]: st.verilog, ...expect(st.name) },
      pins: streamShellPins(),
      timing,
      shell: { kind: 'stream', width: null, scores: true, verilog: file },
      stream,
    };
  }
  if (board) {
    const t = uartTop(core, { clockHz: board.clockHz, baud: board.baud, brams });
    return {
      topModule: t.name,
      sources: { ...coreFile, ...t.files },
      generated: t.files,
      pins: 3,
      pcf: readAsset(board.pcf),
      timing: uartTiming(core, board),
      shell: { kind: 'uart', width: 8, scores: false, verilog: `${t.name}.v`, ...buffer(bufferBrams(core, 8, brams)) },
    };
  }
  if ((o.shell ?? 'serial') === 'none') {
    const timing: ShellTiming = core.pipelined
      ? { beats: 1, coreLatency: core.latency, latencyCycles: core.latency, initiationInterval: 1 }
      : { beats: 1, coreLatency: 0, latencyCycles: 0, initiationInterval: 1 };
    return { topModule: m.top, sources: coreFile, generated: {}, pins: coreOnlyPins(core), timing, shell: { kind: 'none', width: null, scores: false, verilog: null } };
  }
  const width = o.shellWidth ?? DEFAULT_SHELL_WIDTH;
  const scores = o.scores ?? false;
  const s = serialShell(core, { width, scores, brams });
  const file = `${s.name}.v`;
  return {
    topModule: s.name,
    sources: { ...coreFile, [file]: s.verilog },
    generated: { [file]: s.verilog },
    pins: serialShellPins(core, { width, scores }),
    timing: serialTiming(core, width, brams),
    shell: { kind: 'serial', width, scores, verilog: file, ...buffer(bufferBrams(core, width, brams)) },
  };
}

/**
 * A UART board's pace is the wire's: the host sends ceil(N/8) frames of 10 bits and waits
 * for the 1-frame answer, so one exchange takes (bytes + 1) × 10 bit times. (The board's own
 * work is a few clocks and overlaps the last stop bit, which is sampled in its middle.)
 */
function uartTiming(core: CoreInterface, board: Board): ShellTiming {
  const bytes = Math.ceil(core.inputs / 8);
  const exchange = (bytes + 1) * 10 * clocksPerBit(board);
  return { beats: bytes, coreLatency: core.latency, latencyCycles: exchange, initiationInterval: exchange };
}

function checkOptions(o: SynthOptions): void {
  const positive = (v: number | undefined, flag: string, int: boolean) => {
    if (v === undefined) return;
    if (!Number.isFinite(v) || v <= 0 || (int && !Number.isInteger(v))) throw new UserError(`${flag} ${v}: must be a positive ${int ? 'whole ' : ''}number`);
  };
  positive(o.freq, '--freq', false);
  positive(o.maxLcs, '--max-lcs', true);
  positive(o.minFmax, '--min-fmax', false);
  positive(o.shellWidth, '--shell-width', true);
  if (o.seed !== undefined && !(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= LIMITS.seed)) throw new UserError(`--seed ${o.seed}: must be a whole number from 0 to ${LIMITS.seed} (nextpnr's seed is a C int)`);
  if (o.shell !== undefined && o.shell !== 'serial' && o.shell !== 'stream' && o.shell !== 'none') throw new UserError(`--shell ${o.shell}: must be serial, stream or none`);
  if (o.streamCount !== undefined) {
    if (o.shell !== 'stream') throw new UserError('--stream-count is for --shell stream');
    checkStreamCount(o.streamCount);
  }
  // Beyond what any iCE40 can clock: a typo (e.g. Hz for MHz), not a target.
  if (o.freq !== undefined && o.freq > 1000) throw new UserError(`--freq ${o.freq}: in MHz; iCE40 designs run below ~500 MHz (e.g. --freq 100)`);
}

export async function synthesize(dir: string, o: SynthOptions = {}): Promise<SynthReport> {
  checkOptions(o);
  const progress = o.onProgress ?? (() => {});
  const t0 = performance.now();
  const board = o.board !== undefined ? findBoard(o.board) : undefined;
  if (board) {
    if (o.device !== undefined && o.device.toLowerCase() !== board.device) throw new UserError(`--board ${board.name} is a ${board.device}; drop --device ${o.device}`);
    if (o.package !== undefined && o.package.toLowerCase() !== board.package) throw new UserError(`--board ${board.name} has package ${board.package}; drop --package ${o.package}`);
    if (o.shell === 'none') throw new UserError(`--board ${board.name} uses its UART board top; --shell none cannot be combined with --board`);
    if (o.shellWidth !== undefined || o.scores) throw new UserError(`--board ${board.name} takes the input a byte at a time over its UART and answers the class only; drop --shell-width and --scores`);
  }
  const device = findDevice(board?.device ?? o.device ?? 'up5k');
  const pkg = findPackage(device, board?.package ?? o.package);
  const freq = o.freq ?? (board ? board.clockHz / 1e6 : DEFAULT_FREQ_MHZ);
  const seed = o.seed ?? 1;

  const m = readBuildManifest(dir, o.top);
  const coreVerilog = readFileOrFail(join(dir, m.verilog), 'core Verilog').toString('utf8');
  const p = plan(m, coreVerilog, o, board, device);
  if (p.pins > pkg.userIo) {
    throw new CheckFailed(`design does not fit: needs ${p.pins} I/O pins, ${device.name}-${pkg.name} has ${pkg.userIo}. ${p.shell.kind === 'none' ? 'Use --shell serial (inputs arrive a few bits per clock).' : 'Use a smaller --shell-width, drop --scores, or a larger package.'}`);
  }
  for (const [f, text] of Object.entries(p.generated)) writeFileAtomic(join(dir, f), text);

  const steps: SynthReport['steps'] = [];
  progress(`yosys: synth_ice40 -top ${p.topModule} (${m.stats.gates.toLocaleString('en-US')} gates)…`);
  // ABC for combinational cores (fewer cells, measured), Yosys's abc9 for pipelined ones,
  // whose 100 MHz stream builds were tuned with it.
  const mapping = synthMapping(m.top, !!m.regions && !o.flatten, m.pipeline.every === null);
  const keep = mapping.keep;
  const lutMap: LutMap = o.lutMap ?? mapping.map;
  const ys = await synthIce40(p.sources, p.topModule, keep, { map: lutMap, areaModules: mapping.areaModules });
  steps.push({ step: 'yosys', ms: Math.round(ys.ms) });
  const cells = groupCells(ys.cells);
  const need = minLogicCells(cells);
  progress(`yosys: ${(ys.ms / 1000).toFixed(1)} s — ${cells.lut4} LUT4, ${cells.dff} DFF, ${cells.carry} carry`);
  if (need > device.logicCells) {
    writeFileAtomic(join(dir, 'synth.log'), ys.log);
    throw new CheckFailed(`design does not fit: needs ${need} logic cells, ${device.name} has ${device.logicCells} (Yosys: ${cells.lut4} LUT4, ${cells.dff} DFF, ${cells.carry} carry). Use a larger device (--device hx8k) or a smaller network.`);
  }

  progress(`nextpnr-ice40: --${device.name} --package ${pkg.name} --freq ${freq} --seed ${seed} --router ${o.router ?? 'router1'}…`);
  const capacity = { name: `${device.name}-${pkg.name}`, logicCells: device.logicCells, userIo: pkg.userIo };
  let pnr;
  try {
    const tp = performance.now();
    const onPhase = (phase: string) => progress(`nextpnr-ice40: ${phase} (${((performance.now() - tp) / 1000).toFixed(0)} s)`);
    pnr = await placeAndRoute(ys.json, { device: device.name, package: pkg.name, freq, seed, router: o.router, pcf: p.pcf, capacity, onPhase, cellNames: keep.length > 0 });
  } catch (err) {
    if (err instanceof UserError) writeFileAtomic(join(dir, 'synth.log'), ys.log + '\n' + String((err as Error).message));
    throw err;
  }
  steps.push({ step: 'nextpnr', ms: Math.round(pnr.ms) });
  const lcUsed = pnr.report.utilization.ICESTORM_LC?.used ?? 0;
  if (lcUsed > device.logicCells) {
    throw new CheckFailed(`design does not fit: needs ${lcUsed} logic cells, ${device.name} has ${device.logicCells} (the die holds ${device.dieLogicCells}; the part is rated for ${device.logicCells}).`);
  }
  const clk = mainClock(pnr.report);
  progress(`nextpnr-ice40: ${(pnr.ms / 1000).toFixed(1)} s — ${lcUsed} logic cells, Fmax ${clk ? `${clk.achieved.toFixed(1)} MHz` : 'n/a (no clocked paths)'}`);

  const packed = await icepack(pnr.asc);
  steps.push({ step: 'icepack', ms: Math.round(packed.ms) });
  progress(`icepack: ${(packed.ms / 1000).toFixed(1)} s — ${packed.bin.length} bytes`);

  const binFile = `${m.top}.bin`;
  writeFileAtomic(join(dir, binFile), packed.bin);
  writeFileAtomic(join(dir, 'synth.log'), `${ys.log}\n${pnr.log}`);

  const achieved = clk ? round3(clk.achieved) : null;
  const report: SynthReport = {
    format: 'lgnc-synth-report',
    version: 1,
    ok: true,
    dir,
    top: p.topModule,
    core: m.top,
    model: m.model,
    optimized: m.optimized,
    shell: p.shell,
    stream: p.stream ?? null,
    selfTest: p.selfTest ?? null,
    board: board?.name ?? null,
    device: { name: device.name, part: device.part, package: pkg.name, logicCells: device.logicCells, userIo: pkg.userIo },
    resources: {
      logicCells: { used: lcUsed, available: device.logicCells },
      lut4: { used: cells.lut4, available: device.logicCells },
      dff: { used: cells.dff, available: device.logicCells },
      carry: { used: cells.carry, available: device.logicCells },
      io: { used: pnr.report.utilization.SB_IO?.used ?? 0, available: pkg.userIo },
      bram: { used: pnr.report.utilization.ICESTORM_RAM?.used ?? 0, available: device.bram },
    },
    yosysCells: ys.cells,
    lut4Estimate: { compiler: m.stats.lut4Estimate, yosys: cells.lut4, ratio: cells.lut4 > 0 ? round3(m.stats.lut4Estimate / cells.lut4) : 0 },
    timing: {
      clock: clk?.name ?? null,
      requestedMHz: freq,
      achievedMHz: achieved,
      met: achieved === null ? null : achieved >= freq,
      criticalPath: criticalPath(pnr.report),
    },
    throughput: {
      ...p.timing,
      inferencesPerSecond: board
        ? Math.round(board.clockHz / p.timing.initiationInterval)
        : achieved === null ? null : Math.round((achieved * 1e6) / p.timing.initiationInterval),
      definition: board && p.shell.kind === 'stream'
        ? 'board clock / initiation interval: the stream shell makes one vector per clock on chip'
        : board
        ? `board clock / initiation interval: one UART exchange, ceil(inputs / 8) + 1 frames of 10 bits at ${board.baud} baud`
        : p.shell.kind === 'stream' ? 'Fmax / initiation interval: the stream shell makes one vector per clock on chip'
        : 'Fmax / initiation interval; the serial shell takes one vector every ceil(inputs / width) cycles, beats back to back',
    },
    bitstream: { file: binFile, bytes: packed.bin.length, sha256: createHash('sha256').update(packed.bin).digest('hex') },
    seed,
    router: o.router ?? 'router1',
    lutMap,
    tools: { yosys: ys.version, yowaspYosys: await yosysPackageVersion(), yowaspNextpnrIce40: await nextpnrPackageVersion(), lgnc: LGNC_VERSION },
    steps,
    totalMs: Math.round(performance.now() - t0),
    budgets: { maxLcs: o.maxLcs ?? null, minFmaxMHz: o.minFmax ?? null, failures: [] },
    regions: pnr.logicCells ? regionCells(pnr.logicCells, ys.moduleCells, m.top, m.arith ?? 'gates') : null,
    nextpnr: { utilization: pnr.report.utilization, fmax: pnr.report.fmax },
  };
  report.budgets.failures = budgetFailures(report, o, board);
  report.ok = report.budgets.failures.length === 0;
  writeFileAtomic(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  return report;
}

/** Budget checks; a board must also meet its own clock. */
export function budgetFailures(r: SynthReport, o: SynthOptions, board: Board | undefined): string[] {
  const out: string[] = [];
  const lc = r.resources.logicCells.used;
  const fmax = r.timing.achievedMHz;
  if (o.maxLcs !== undefined && lc > o.maxLcs) out.push(`uses ${lc} logic cells, budget --max-lcs ${o.maxLcs}`);
  if (o.minFmax !== undefined) {
    if (fmax === null) out.push(`no Fmax to check against --min-fmax ${o.minFmax}: the design has no clocked paths (use --shell serial or compile with --pipeline)`);
    else if (fmax < o.minFmax) out.push(`Fmax ${fmax.toFixed(2)} MHz is below --min-fmax ${o.minFmax} MHz`);
  }
  if (board && fmax !== null && fmax < board.clockHz / 1e6) out.push(`Fmax ${fmax.toFixed(2)} MHz is below the ${board.name} clock of ${board.clockHz / 1e6} MHz (compile with --pipeline)`);
  return out;
}

/** The clock with the lowest achieved Fmax (the design's limit), if any clocked paths exist. */
function mainClock(r: NextpnrReport): { name: string; achieved: number } | null {
  let best: { name: string; achieved: number } | null = null;
  for (const [name, f] of Object.entries(r.fmax ?? {})) {
    if (!best || f.achieved < best.achieved) best = { name, achieved: f.achieved };
  }
  return best;
}

/**
 * The path that limits Fmax (register to register in the slowest clock), summarized; for a
 * design with no clocked paths, the longest path nextpnr reported (pin to pin).
 */
export function criticalPath(r: NextpnrReport): CriticalPath | null {
  const clk = mainClock(r);
  const all = (r.critical_paths ?? []).filter((cp) => cp.path.length > 0);
  const inClock = clk ? all.filter((cp) => cp.from === clk.name && cp.to === clk.name) : [];
  let best: CriticalPath | null = null;
  for (const cp of inClock.length ? inClock : all) {
    let logic = 0;
    let routing = 0;
    let levels = 0;
    for (const seg of cp.path) {
      if (seg.type === 'routing') routing += seg.delay;
      else logic += seg.delay;
      if (seg.type === 'logic') levels++;
    }
    const delay = logic + routing;
    if (!best || delay > best.delayNs) {
      best = {
        from: cp.from,
        to: cp.to,
        delayNs: round3(delay),
        logicNs: round3(logic),
        routingNs: round3(routing),
        logicLevels: levels,
        startpoint: `${cp.path[0].from.cell}.${cp.path[0].from.port}`,
        endpoint: `${cp.path[cp.path.length - 1].to.cell}.${cp.path[cp.path.length - 1].to.port}`,
      };
    }
  }
  return best;
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Throws the budget failures (exit 1) after the report has been written and shown. */
export function enforceBudgets(r: SynthReport): void {
  if (r.budgets.failures.length) throw new CheckFailed(`budget exceeded: ${r.budgets.failures.join('; ')}`);
}
