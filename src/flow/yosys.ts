// Yosys (in-process WebAssembly, @yowasp/yosys): reads Verilog sources, runs `synth_ice40`
// and returns the mapped netlist JSON (for nextpnr) and the cell counts of `stat -json`.
// The module is imported on first use, so commands that do not synthesize start fast;
// the WebAssembly compiles once per process (~3 s) and later runs reuse it.
// Guarantees: a Yosys error becomes a UserError quoting Yosys's own ERROR line.

import { REGION_INSTANCES } from '../emit/regions.js';
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

/** How `synth_ice40` maps logic to LUT4s (see synthCommand). */
export type LutMap = 'abc9' | 'abc';

// Yosys's own ABC script for `abc -lut 4`, then the rounds of area recovery the argmax gets:
// delay-bounded re-mapping, at most ARGMAX_DEPTH LUT levels (its delay-optimal map is 16 on
// the default MNIST model; 20 levels: 130 LUT4s against 136).
const ABC_LUT = 'strash;&get,-n;&fraig,-x;&put;scorr;dc2;dretime;strash;dch,-f;if;mfs2;lutpack,-S,1';
const ARGMAX_DEPTH = 20;
const AREA_ROUND = `strash;dc2;dch,-f;if,-D,${ARGMAX_DEPTH};mfs2;lutpack,-S,1`;

/**
 * The synth_ice40 command(s). 'abc9' is Yosys's default (timing-driven, with box models).
 * 'abc' (-noabc9 -abc2) runs a gate-level ABC pass before LUT mapping with ABC: on the
 * default MNIST core 62 logic cells fewer (network 1,388 → 1,351, argmax 170 → 146) at the
 * same Fmax within placement noise (router2, seeds 1–3: 20.9–21.9 MHz against 18.0–23.5);
 * `areaModules` (the argmax region) then get two rounds of depth-bounded area recovery.
 */
function synthCommand(top: string, map: LutMap, areaModules: string[]): string {
  if (map === 'abc9') return `synth_ice40 -top ${top}`;
  const flow = `synth_ice40 -top ${top} -noabc9 -abc2`;
  if (areaModules.length === 0) return flow;
  const sel = areaModules.join(' ');
  return `${flow} -run :map_luts; abc ${sel}; ice40_opt ${sel}; abc -dress -lut 4 -script +${ABC_LUT};${AREA_ROUND};${AREA_ROUND} ${sel}; ${flow} -run map_luts:`;
}

/** How a core is mapped: the region modules kept apart, the LUT mapping, the modules with area recovery. */
export interface Ice40Mapping {
  keep: string[];
  map: LutMap;
  areaModules: string[];
}

/**
 * The mapping `lgnc synth` gives a core, and post-synthesis simulation with it: its regions
 * kept apart (when it has them), ABC with the argmax's area recovery for a combinational core,
 * abc9 for a pipelined one.
 */
export function synthMapping(top: string, regions: boolean, combinational: boolean): Ice40Mapping {
  const keep = regions ? Object.keys(REGION_INSTANCES).map((r) => `${top}_${r}`) : [];
  return { keep, map: combinational ? 'abc' : 'abc9', areaModules: regions ? [`${top}_argmax`] : [] };
}

/**
 * The Yosys commands from the read sources to one flat iCE40 netlist: the `keep` modules are
 * mapped each on its own (`areaModules` among them with area recovery, see synthCommand),
 * `between` runs while they are still apart (to count them), then all is flattened. `lgnc
 * synth` and post-synthesis simulation (postsynth.ts) share it, so verify simulates the
 * netlist the bitstream is made from.
 */
export function ice40Synthesis(top: string, keep: string[], map: LutMap, areaModules: string[], between = ''): string {
  const synth = synthCommand(top, map, keep.length ? areaModules : []);
  const kept = keep.length ? `hierarchy -top ${top}; setattr -mod -set keep_hierarchy 1 ${keep.join(' ')}; ` : '';
  return `${kept}${synth}; ${between ? `${between}; ` : ''}setattr -mod -unset keep_hierarchy; flatten; opt_clean`;
}

/**
 * Synthesizes `top` from `sources` (file name → Verilog text) for iCE40.
 * `flatten` keeps the default synth_ice40 flattening, so the stat counts are the whole design.
 */
export async function synthIce40(sources: Record<string, string>, top: string, keep: string[] = [], o: { map?: LutMap; areaModules?: string[] } = {}): Promise<YosysResult> {
  const { runYosys } = await loadYosys();
  const reads = Object.keys(sources).map((f) => `read_verilog -defer ${f}`).join('; ');
  // Kept modules (the core's regions) are synthesized and mapped each on its own, counted,
  // then flattened into the top, so nextpnr sees one flat netlist with hierarchical names.
  // Modules the source marks keep_hierarchy (the ripple form's adders, so Yosys does not merge
  // them into one LUT adder tree) are mapped on their own too, then flattened like the rest.
  const script = keep.length === 0
    ? `${reads}; ${ice40Synthesis(top, [], o.map ?? 'abc9', [])}; write_json design.json; tee -q -o stat.json stat -json`
    : `${reads}; ${ice40Synthesis(top, keep, o.map ?? 'abc9', o.areaModules ?? [], 'tee -q -o modules.json stat -json')}; `
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
