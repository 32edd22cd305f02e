// Formal equivalence: proves with Yosys (in-process) that the optimized core computes the same
// scores and class_id as the unoptimized (`--no-opt`, gate-for-gate) core for ALL 2^N inputs,
// so the optimization passes are proved, not only tested. Method: `miter -equiv` of the two
// combinational designs, then `sat -verify -prove trigger 0` (the miter's trigger output is
// 1 exactly when some output differs). SAT on popcount trees grows quickly with size, so
// networks over `maxGates` gates are skipped (reported, not failed).
// The optimized side is the build's own Verilog when that is combinational, else a fresh
// combinational compile of the same netlist (pipelining is checked by simulation).

import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileToDir } from '../emit/build.js';
import { gateCount, type AnyNetlist } from '../netlist/netlist.js';
import { LIMITS } from '../netlist/limits.js';
import { makeTempFolder, readFileOrFail } from '../util/files.js';
import { runYosysScript, YosysFailed } from './postsynth.js';

export const FORMAL_MAX_GATES = 2000;

export interface FormalReport {
  status: 'proved' | 'failed' | 'skipped';
  /** Why skipped, or what failed. */
  detail: string;
  gates: number;
  seconds: number;
  /** A distinguishing input (bit i first) when failed and Yosys showed one. */
  counterexample?: string;
}

const REF = 'lgnc_formal_ref';
const OPT = 'lgnc_formal_opt';

function proofScript(optTop: string): string {
  return [
    'read_verilog ref.v',
    'read_verilog opt.v',
    optTop !== OPT ? `rename ${optTop} ${OPT}` : '',
    'proc',
    // Modules the Verilog keeps for synthesis (the ripple form's adders) are flattened here.
    'setattr -mod -unset keep_hierarchy',
    `miter -equiv -flatten -make_outputs ${REF} ${OPT} miter`,
    'hierarchy -top miter',
    'flatten; opt -fast',
    'sat -verify -prove trigger 0 -show-inputs -set-init-zero miter',
  ].filter(Boolean).join('; ');
}

/**
 * Proves optimized == unoptimized for the netlist at `modelPath`. `optimized`: the build's
 * combinational Verilog to prove (default: compiled here).
 */
export async function formalCheck(modelPath: string, net: AnyNetlist, o: { maxGates?: number; optimized?: { path: string; top: string }; log?: (line: string) => void } = {}): Promise<FormalReport> {
  const t0 = performance.now();
  const gates = gateCount(net);
  const maxGates = o.maxGates ?? FORMAL_MAX_GATES;
  const seconds = () => (performance.now() - t0) / 1000;
  if (gates > maxGates) {
    return { status: 'skipped', detail: `${gates} gates is over the formal limit of ${maxGates} (SAT on popcount trees does not finish in reasonable time; raise it with --formal-max-gates)`, gates, seconds: 0 };
  }
  const temp = makeTempFolder(tmpdir(), 'lgnc-formal-');
  const dir = temp.path;
  try {
    compileToDir(modelPath, join(dir, 'ref'), { top: REF, optimize: false });
    let opt = o.optimized;
    if (!opt) {
      compileToDir(modelPath, join(dir, 'opt'), { top: OPT });
      opt = { path: join(dir, 'opt', `${OPT}.v`), top: OPT };
    }
    o.log?.(`yosys: proving ${opt.top} equal to the unoptimized design (${gates} gates)`);
    const files = {
      'ref.v': readFileSync(join(dir, 'ref', `${REF}.v`), 'utf8'),
      'opt.v': readFileOrFail(opt.path, 'core Verilog', LIMITS.fileBytes).toString('utf8'),
    };
    try {
      await runYosysScript(proofScript(opt.top), files, 'the equivalence proof', false);
    } catch (err) {
      // A failed proof is a finding, not bad input: report it with the counterexample.
      if (err instanceof YosysFailed && /SAT proof finished - model found: FAIL/.test(err.log)) {
        return { status: 'failed', detail: 'the optimized design differs from the unoptimized one (SAT found an input)', gates, seconds: seconds(), counterexample: counterexample(err.log, net.inputs) };
      }
      throw err;
    }
    return { status: 'proved', detail: `optimized == unoptimized for all 2^${net.inputs} inputs (Yosys miter + SAT)`, gates, seconds: seconds() };
  } finally {
    temp.remove();
  }
}

/** The value of `in_x` in Yosys's -show-inputs table, as bits (bit i first). */
function counterexample(log: string, inputs: number): string | undefined {
  const m = /\\in_x\s+\S+\s+\S+\s+([01]+)/.exec(log); // columns: name, dec, hex, bin
  if (!m) return undefined;
  // Yosys prints binary most significant bit first.
  return m[1].padStart(inputs, '0').split('').reverse().join('');
}
