// nextpnr-ice40 and icepack (in-process WebAssembly, @yowasp/nextpnr-ice40): place and
// route a Yosys JSON netlist, read the `--report` JSON (utilization, Fmax, critical paths),
// and pack the .asc into the .bin bitstream.
// Guarantees: a failing run never escapes as `RuntimeError: unreachable` (how a nextpnr
// ERROR surfaces in WebAssembly): the log is kept and turned into a message — a design
// that overflows the device becomes a CheckFailed "needs N logic cells, hx1k has 1280".

import { CheckFailed, UserError } from '../util/errors.js';
import { firstError, logCollector } from './yosys.js';

type Tree = { [name: string]: Tree | string | Uint8Array };
type RunOptions = { stdout?: ((b: Uint8Array | null) => void) | null; stderr?: ((b: Uint8Array | null) => void) | null; decodeASCII?: boolean };
type Command = (args?: string[], files?: Tree, options?: RunOptions) => Promise<Tree> | Tree | undefined;
interface NextpnrModule { runNextpnrIce40: Command; runIcepack: Command; version: string }

let nextpnrModule: Promise<NextpnrModule> | undefined;
function loadNextpnr(): Promise<NextpnrModule> {
  nextpnrModule ??= import('@yowasp/nextpnr-ice40') as unknown as Promise<NextpnrModule>;
  return nextpnrModule;
}

/** The @yowasp/nextpnr-ice40 package version (e.g. 0.8.621). */
export async function nextpnrPackageVersion(): Promise<string> {
  return (await loadNextpnr()).version;
}

/** nextpnr's `--report` JSON, as far as lgnc reads it. */
export interface NextpnrReport {
  utilization: Record<string, { used: number; available: number }>;
  fmax: Record<string, { achieved: number; constraint: number }>;
  critical_paths: {
    from: string;
    to: string;
    path: { type: 'source' | 'logic' | 'routing' | 'setup' | 'clk-to-q' | string; delay: number; net?: string; from: { cell: string; port: string }; to: { cell: string; port: string } }[];
  }[];
}

export interface PnrOptions {
  device: string;
  package: string;
  /** Target frequency in MHz (timing-driven placement aims for it). */
  freq: number;
  seed: number;
  /** nextpnr's router: router1 (default; slower, usually a higher Fmax) or router2 (several times faster). */
  router?: 'router1' | 'router2';
  /** Pin constraints (.pcf text); without it pins are left to nextpnr. */
  pcf?: string;
  /** Device capacity for the overflow message, e.g. { name: 'up5k', logicCells: 5280, userIo: 39 }. */
  capacity: { name: string; logicCells: number; userIo: number };
  /** Also return the placed and routed netlist's logic cell names (for the region breakdown). */
  cellNames?: boolean;
  /** Called as nextpnr enters each phase ("placing (analytical)", "routing 1234 arcs", …). */
  onPhase?: (phase: string) => void;
}

/** nextpnr log lines that open a phase, and how progress names them. */
const PHASES: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Info: Packing constants/, () => 'packing'],
  [/^Info: Running main analytical placer/, () => 'placing (analytical)'],
  [/^Info: Running simulated annealing placer/, () => 'placing (annealing refinement)'],
  [/^Info: Routing (\d+) arcs/, (m) => `routing ${Number(m[1]).toLocaleString('en-US')} arcs`],
  [/^Info: Routing complete/, () => 'routed'],
];

/** Calls onPhase for phase lines as the log streams in. */
function phaseWatcher(onPhase: ((phase: string) => void) | undefined): (b: Uint8Array | null) => void {
  let pending = '';
  return (b) => {
    if (!b || !onPhase) return;
    pending += Buffer.from(b).toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      for (const [re, name] of PHASES) {
        const m = re.exec(line);
        if (m) onPhase(name(m));
      }
    }
  };
}

export interface PnrResult {
  asc: string;
  /** Names of the placed ICESTORM_LC cells (when asked for with `cellNames`). */
  logicCells?: string[];
  report: NextpnrReport;
  log: string;
  ms: number;
}

export async function placeAndRoute(designJson: string, o: PnrOptions): Promise<PnrResult> {
  const { runNextpnrIce40 } = await loadNextpnr();
  const args = [
    `--${o.device}`, '--package', o.package,
    '--json', 'design.json', '--asc', 'design.asc', '--report', 'report.json',
    '--seed', String(o.seed), '--freq', String(o.freq),
    // The budget (--min-fmax) decides pass/fail, with the achieved Fmax in hand.
    '--timing-allow-fail',
    '--router', o.router ?? 'router1',
  ];
  if (o.cellNames) args.push('--write', 'placed.json');
  const files: Tree = { 'design.json': designJson };
  if (o.pcf !== undefined) {
    args.push('--pcf', 'design.pcf');
    files['design.pcf'] = o.pcf;
  } else {
    args.push('--pcf-allow-unconstrained');
  }
  const log = logCollector();
  const watch = phaseWatcher(o.onPhase);
  const write = (b: Uint8Array | null) => { log.write(b); watch(b); };
  const t0 = performance.now();
  let out: Tree;
  try {
    out = (await runNextpnrIce40(args, files, { stdout: write, stderr: write, decodeASCII: true })) as Tree;
  } catch (err) {
    throw pnrFailure(log.text(), err, o.capacity);
  }
  const ms = performance.now() - t0;
  const logicCells = o.cellNames ? placedLogicCells(String(out['placed.json'])) : undefined;
  return { asc: String(out['design.asc']), logicCells, report: JSON.parse(String(out['report.json'])) as NextpnrReport, log: log.text(), ms };
}

/**
 * The names of the ICESTORM_LC cells in nextpnr's placed netlist (`--write`). Cells nextpnr
 * made itself (`$nextpnr_…`: carry-chain feed-ins and feed-outs) take the name of a
 * Yosys-named logic cell they connect to through the carry, so they count where their chain does.
 */
export function placedLogicCells(json: string): string[] {
  type Cell = { type: string; connections?: Record<string, (number | string)[]> };
  const d = JSON.parse(json) as { modules: Record<string, { cells: Record<string, Cell> }> };
  const names: string[] = [];
  for (const m of Object.values(d.modules)) {
    const onNet = new Map<number | string, string[]>();
    for (const [name, c] of Object.entries(m.cells)) {
      if (c.type !== 'ICESTORM_LC') continue;
      for (const bits of Object.values(c.connections ?? {})) for (const b of bits) {
        if (typeof b !== 'number') continue;
        const list = onNet.get(b);
        if (list) list.push(name); else onNet.set(b, [name]);
      }
    }
    for (const [name, c] of Object.entries(m.cells)) {
      if (c.type !== 'ICESTORM_LC') continue;
      if (!name.startsWith('$nextpnr')) { names.push(name); continue; }
      const conn = c.connections ?? {};
      let found: string | undefined;
      for (const port of ['COUT', 'CIN', ...Object.keys(conn)]) {
        for (const b of conn[port] ?? []) found ??= onNet.get(b)?.find((n) => n !== name && !n.startsWith('$nextpnr'));
        if (found) break;
      }
      names.push(found ?? name);
    }
  }
  return names;
}

/** Turns a failed nextpnr run into a message a user can act on. */
export function pnrFailure(log: string, err: unknown, cap: PnrOptions['capacity']): UserError {
  const use = utilisationFromLog(log);
  const lc = use.ICESTORM_LC;
  if (lc && lc.used > cap.logicCells) {
    return new CheckFailed(`design does not fit: needs ${lc.used} logic cells, ${cap.name} has ${cap.logicCells}. Use a larger device (--device hx8k), fewer gates, or --shell serial with a narrower --shell-width.`);
  }
  const io = use.SB_IO;
  if (io && io.used > cap.userIo) {
    return new CheckFailed(`design does not fit: needs ${io.used} I/O pins, ${cap.name} has ${cap.userIo}. Use --shell serial (inputs arrive a few bits per clock) or a larger package.`);
  }
  const msg = firstError(log) ?? (err as Error)?.message ?? String(err);
  if (/Unable to find a placement location for cell '.*\$sb_io'/.test(msg)) {
    return new CheckFailed(`design does not fit: not enough I/O pins on ${cap.name} (nextpnr: ${msg}). Use --shell serial or a larger package.`);
  }
  if (/no BELs remaining to implement cell type 'ICESTORM_LC'/.test(msg)) {
    return new CheckFailed(`design does not fit: not enough logic cells on ${cap.name} (${cap.logicCells}); nextpnr: ${msg}`);
  }
  return new UserError(`nextpnr-ice40 failed: ${msg}`, 1);
}

/** Parses nextpnr's "Device utilisation" block: `ICESTORM_LC:  2002/  1280  156%`. */
export function utilisationFromLog(log: string): Record<string, { used: number; available: number }> {
  const out: Record<string, { used: number; available: number }> = {};
  for (const m of log.matchAll(/^Info:\s+(\w+):\s+(\d+)\/\s*(\d+)\s+\d+%/gm)) {
    out[m[1]] = { used: Number(m[2]), available: Number(m[3]) };
  }
  return out;
}

/** icepack: .asc text → .bin bitstream bytes. */
export async function icepack(asc: string): Promise<{ bin: Uint8Array; ms: number }> {
  const { runIcepack } = await loadNextpnr();
  const log = logCollector();
  const t0 = performance.now();
  let out: Tree;
  try {
    out = (await runIcepack(['design.asc', 'design.bin'], { 'design.asc': asc }, { stdout: log.write, stderr: log.write, decodeASCII: false })) as Tree;
  } catch (err) {
    throw new UserError(`icepack failed: ${log.text().trim() || (err as Error).message}`, 1);
  }
  const bin = out['design.bin'];
  if (!(bin instanceof Uint8Array)) throw new UserError('icepack wrote no bitstream', 1);
  return { bin, ms: performance.now() - t0 };
}
