// Post-synthesis netlists for simulation: runs Yosys (in-process, @yowasp/yosys) on a core
// and writes the gate-level result as Verilog, so verify can simulate what synthesis made of
// our Verilog, not only the Verilog itself.
//   ice40:   synth_ice40 → SB_LUT4 / SB_CARRY / SB_DFF instances, simulated with Yosys's own
//            iCE40 cell models (share/ice40/cells_sim.v, shipped inside @yowasp/yosys);
//   generic: synth -lut 4 → 4-input LUTs written as plain Verilog expressions.
// Results are cached by a hash of the input Verilog, target and Yosys version, under
// <cache>/postsynth/<hash>/.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { UserError } from '../util/errors.js';
import { LIMITS } from '../netlist/limits.js';
import { readFileOrFail, writeFileAtomic } from '../util/files.js';
import { lgncCacheDir } from './verilator.js';
import { ice40Synthesis, type Ice40Mapping } from './yosys.js';

export type PostSynthTarget = 'ice40' | 'generic';
export const POST_SYNTH_TARGETS: PostSynthTarget[] = ['ice40', 'generic'];

/** share/ of the installed @yowasp/yosys (cell libraries). */
export function yosysShareDir(): string {
  const bundle = createRequire(import.meta.url).resolve('@yowasp/yosys');
  return join(dirname(bundle), 'share');
}

function script(top: string, target: PostSynthTarget, m: Ice40Mapping): string {
  const synth = target === 'ice40' ? ice40Synthesis(top, m.keep, m.map, m.areaModules) : `synth -top ${top} -lut 4`;
  return `read_verilog -sv core.v; ${synth}; write_verilog -noattr synth.v`;
}

/** A Yosys run that exited non-zero; `log` is all it printed. */
export class YosysFailed extends UserError {
  constructor(message: string, readonly log: string) {
    super(message);
    this.name = 'YosysFailed';
  }
}

/** Runs a Yosys script on in-memory files; a failure becomes a YosysFailed with the log tail. */
export async function runYosysScript(scriptText: string, files: Record<string, string>, what: string, quiet = true): Promise<Record<string, unknown>> {
  const { runYosys } = await import('@yowasp/yosys');
  let log = '';
  const sink = (b: Uint8Array | null) => {
    if (b) log += Buffer.from(b).toString('utf8');
  };
  try {
    const out = await runYosys([...(quiet ? ['-q'] : []), '-p', scriptText], files, { stdout: sink, stderr: sink });
    return (out ?? {}) as Record<string, unknown>;
  } catch (err) {
    const code = (err as { code?: number }).code;
    const tail = log.trimEnd().split('\n').slice(-15).join('\n');
    throw new YosysFailed(`yosys failed on ${what}${code !== undefined ? ` (exit ${code})` : ''}:\n${tail || String(err)}`, log);
  }
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  throw new Error('yosys wrote no synth.v');
}

/** The Verilog files to simulate for the synthesized core (netlist first, then cell models). */
export async function synthesizeForSimulation(verilogPath: string, top: string, target: PostSynthTarget, mapping: Ice40Mapping = { keep: [], map: 'abc9', areaModules: [] }): Promise<{ sources: string[]; cached: boolean }> {
  if (!POST_SYNTH_TARGETS.includes(target)) throw new UserError(`--post-synth ${target}: use one of ${POST_SYNTH_TARGETS.join(', ')}`);
  const { version } = await import('@yowasp/yosys');
  const core = readFileOrFail(verilogPath, 'core Verilog', LIMITS.fileBytes).toString('utf8');
  const hash = createHash('sha256').update(JSON.stringify({ version, target, top, recipe: 3, ...(target === 'ice40' ? { mapping } : {}) })).update(core).digest('hex').slice(0, 24);
  const out = join(lgncCacheDir(), 'postsynth', hash, `${top}.synth.v`);
  const cells = join(dirname(out), 'cells.v');
  const sources = target === 'ice40' ? [out, cells] : [out];
  if (sources.every((p) => existsSync(p))) return { sources, cached: true };
  const files = await runYosysScript(script(top, target, mapping), { 'core.v': core }, `${verilogPath} (${target} synthesis)`);
  const netlist = asText(files['synth.v']);
  if (target === 'ice40') writeFileAtomic(cells, ice40CellModels(netlist));
  writeFileAtomic(out, netlist);
  return { sources, cached: false };
}

/**
 * The iCE40 cell models the netlist instantiates, cut from Yosys's cells_sim.v: the whole
 * library does not parse in Verilator 5.006 (RAM and DSP models), the logic cells do.
 */
export function ice40CellModels(netlist: string): string {
  const lib = join(yosysShareDir(), 'ice40', 'cells_sim.v');
  if (!existsSync(lib)) throw new UserError(`${lib}: the iCE40 cell models are missing; reinstall @yowasp/yosys (npm ci).`);
  const text = readFileSync(lib, 'utf8');
  const firstModule = text.search(/^module\s/m);
  const prelude = text.slice(0, firstModule); // timescale and the `define macros the models use
  const used = [...new Set([...netlist.matchAll(/^\s*(SB_\w+)\s+(?:#|\w|\\)/gm)].map((m) => m[1]))].sort();
  const models = used.map((name) => {
    const start = text.search(new RegExp(`^module\\s+${name}\\b`, 'm'));
    if (start < 0) throw new UserError(`the synthesized netlist uses ${name}, which ${lib} does not model.`);
    const end = text.indexOf('endmodule', start);
    return text.slice(start, end + 'endmodule'.length);
  });
  // Verilator 5.006 does not support default values on module inputs: turn them off (the
  // netlist from write_verilog connects every port of every cell anyway).
  return `// iCE40 cell models used by the netlist (${used.join(', ')}), from ${lib}\n\`define NO_ICE40_DEFAULT_ASSIGNMENTS\n${prelude}\n${models.join('\n\n')}\n`;
}
