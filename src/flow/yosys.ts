// Yosys (in-process WebAssembly, @yowasp/yosys): reads Verilog sources, runs `synth_ice40`
// and returns the mapped netlist JSON (for nextpnr) and the cell counts of `stat -json`.
// The module is imported on first use, so commands that do not synthesize start fast;
// the WebAssembly compiles once per process (~3 s) and later runs reuse it.
// Guarantees: a Yosys error becomes a UserError quoting Yosys's own ERROR line.

import { UserError } from '../util/errors.js';

export interface YosysResult {
  /** nextpnr input: the synthesized design as Yosys JSON. */
  json: string;
  /** Cell counts of the top module after mapping (SB_LUT4, SB_DFF*, SB_CARRY, …). */
  cells: Record<string, number>;
  /** Cell counts of each kept module (synthesized on its own), by module name. */
  moduleCells: Record<string, Record<string, number>>;
  /** The Yosys version line ("Yosys 0.55 (git sha1 …)"). */
  version: string;
  log: string;
  ms: number;
}

export interface YosysCells {
  lut4: number;
  dff: number;
  carry: number;
  bram: number;
  io: number;
  other: number;
}

type Tree = { [name: string]: Tree | string | Uint8Array };
type RunOptions = { stdout?: ((b: Uint8Array | null) => void) | null; stderr?: ((b: Uint8Array | null) => void) | null; decodeASCII?: boolean };
type Command = (args?: string[], files?: Tree, options?: RunOptions) => Promise<Tree> | Tree | undefined;

let yosysModule: Promise<{ runYosys: Command; version: string }> | undefined;

function loadYosys(): Promise<{ runYosys: Command; version: string }> {
  yosysModule ??= import('@yowasp/yosys') as unknown as Promise<{ runYosys: Command; version: string }>;
  return yosysModule;
}

/** The @yowasp/yosys package version (e.g. 0.55.944). */
export async function yosysPackageVersion(): Promise<string> {
  return (await loadYosys()).version;
}

/** Collects a tool's byte stream into a string. */
export function logCollector(): { write: (b: Uint8Array | null) => void; text: () => string } {
  const chunks: Buffer[] = [];
  return { write: (b) => { if (b) chunks.push(Buffer.from(b)); }, text: () => Buffer.concat(chunks).toString('utf8') };
}

/**
 * Synthesizes `top` from `sources` (file name → Verilog text) for iCE40.
 * `flatten` keeps the default synth_ice40 flattening, so the stat counts are the whole design.
 */
export async function synthIce40(sources: Record<string, string>, top: string, keep: string[] = []): Promise<YosysResult> {
  const { runYosys } = await loadYosys();
  const reads = Object.keys(sources).map((f) => `read_verilog -defer ${f}`).join('; ');
  // Kept modules (the core's regions) are synthesized and mapped each on its own, counted,
  // then flattened into the top, so nextpnr sees one flat netlist with hierarchical names.
  // Modules the source marks keep_hierarchy (the ripple form's adders, so Yosys does not merge
  // them into one LUT adder tree) are mapped on their own too, then flattened like the rest.
  const script = keep.length === 0
    ? `${reads}; synth_ice40 -top ${top}; setattr -mod -unset keep_hierarchy; flatten; opt_clean; write_json design.json; tee -q -o stat.json stat -json`
    : `${reads}; hierarchy -top ${top}; setattr -mod -set keep_hierarchy 1 ${keep.join(' ')}; synth_ice40 -top ${top}; `
      + `tee -q -o modules.json stat -json; setattr -mod -unset keep_hierarchy; flatten; opt_clean; `
      + `write_json design.json; tee -q -o stat.json stat -json`;
  const log = logCollector();
  const t0 = performance.now();
  let out: Tree;
  try {
    out = (await runYosys(['-p', script], { ...sources }, { stdout: log.write, stderr: log.write, decodeASCII: true })) as Tree;
  } catch (err) {
    throw new UserError(`yosys failed: ${firstError(log.text()) ?? (err as Error).message}`);
  }
  const ms = performance.now() - t0;
  const text = log.text();
  const stat = JSON.parse(String(out['stat.json'])) as { creator: string; modules: Record<string, { num_cells_by_type?: Record<string, number> }> };
  const mod = stat.modules[`\\${top}`] ?? Object.values(stat.modules)[0];
  const moduleCells: Record<string, Record<string, number>> = {};
  if (keep.length) {
    const ms = JSON.parse(String(out['modules.json'])) as typeof stat;
    // A module's cells, with those of the modules it instantiates (the adders in a region).
    const expand = (name: string, depth = 0): Record<string, number> => {
      const own = ms.modules[name]?.num_cells_by_type ?? {};
      const total: Record<string, number> = {};
      for (const [type, n] of Object.entries(own)) {
        const sub = ms.modules[`\\${type}`] ?? ms.modules[type];
        if (sub && depth < 8) for (const [t, m] of Object.entries(expand(ms.modules[`\\${type}`] ? `\\${type}` : type, depth + 1))) total[t] = (total[t] ?? 0) + n * m;
        else total[type] = (total[type] ?? 0) + n;
      }
      return total;
    };
    for (const k of keep) {
      // A kept module appears under its own name (or `$paramod…` when it had parameters).
      if (ms.modules[`\\${k}`]) moduleCells[k] = expand(`\\${k}`);
    }
  }
  return {
    json: String(out['design.json']),
    cells: { ...(mod?.num_cells_by_type ?? {}) },
    moduleCells,
    version: stat.creator,
    log: text,
    ms,
  };
}

/** Groups Yosys cell types into the iCE40 resources the report shows. */
export function groupCells(cells: Record<string, number>): YosysCells {
  const g: YosysCells = { lut4: 0, dff: 0, carry: 0, bram: 0, io: 0, other: 0 };
  for (const [type, n] of Object.entries(cells)) {
    if (type === 'SB_LUT4') g.lut4 += n;
    else if (type.startsWith('SB_DFF')) g.dff += n;
    else if (type === 'SB_CARRY') g.carry += n;
    else if (type.startsWith('SB_RAM')) g.bram += n;
    else if (type === 'SB_IO' || type === 'SB_GB_IO') g.io += n;
    else g.other += n;
  }
  return g;
}

/**
 * A lower bound on the logic cells the design needs: each logic cell holds one LUT4, one
 * DFF and one carry, so it needs at least as many cells as the largest of the three.
 */
export function minLogicCells(g: YosysCells): number {
  return Math.max(g.lut4, g.dff, g.carry);
}

/** The first `ERROR:` line of a tool log, without the prefix. */
export function firstError(log: string): string | undefined {
  const m = /^ERROR:\s*(.*)$/m.exec(log);
  return m?.[1]?.trim();
}
