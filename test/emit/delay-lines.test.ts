// Delay lines in pipelined cores: output bits that no gate reads for the last banks (scores
// finished while the argmax still runs) ride to the last bank in a small memory instead of a
// register chain. The results must be the same on the same edges: the emitted Verilog and
// the synth_ice40 netlist (where the memory is an SB_RAM40_4K block RAM) are simulated
// against the reference evaluator with in_valid gaps, and the register count must drop by
// exactly the registers the lines replace.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { DELAY_LINE_MIN_REGISTERS } from '../../src/emit/verilog.js';
import { synthesizeForSimulation } from '../../src/flow/postsynth.js';
import { verifyBuild } from '../../src/flow/verify.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';

const hasVerilator = spawnSync('verilator', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'lgnc-delay-lines-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('delay lines in pipelined cores', () => {
  const model = join(work, 'net.json');
  saveNetlist(model, randomNetlist({ inputs: 50, widths: [60, 40], classes: 4, seed: 8, name: 'dl_net' }));

  it('carry the finished scores to the last bank in place of their register chains', () => {
    const m = compileToDir(model, join(work, 'p1'), { pipeline: 1 });
    const dl = m.stats.delayLines!;
    expect(dl.lines).toBeGreaterThanOrEqual(1);
    expect(dl.registersSaved).toBeGreaterThanOrEqual(DELAY_LINE_MIN_REGISTERS);
    // Each bit replaces at least two registers (a line reads at least one write later).
    expect(dl.registersSaved).toBeGreaterThanOrEqual(2 * dl.bits);
    expect(dl.brams).toBe(Math.ceil(dl.bits / 16));
    const v = readFileSync(join(work, 'p1', m.verilog), 'utf8');
    expect(v).toContain('(* ram_style = "block" *)');
    // Register bits in the text: one `reg nX_qB` / `reg xI_qB` per bank register.
    expect((v.match(/^ {2}reg [nx]\d+_q\d+ = /gm) ?? []).length).toBe(m.stats.registers);
    // A combinational core has none.
    expect(compileToDir(model, join(work, 'c'), {}).stats.delayLines).toBeUndefined();
  });

  it.skipIf(!hasVerilator)('give the reference evaluator\'s results at the stated latency, in the Verilog and in the synth_ice40 netlist (block RAM)', async () => {
    const dir = join(work, 'p2');
    const m = compileToDir(model, dir, { pipeline: 2 });
    expect(m.stats.delayLines!.lines).toBeGreaterThanOrEqual(1);
    const synth = await synthesizeForSimulation(join(dir, m.verilog), m.top, 'ice40');
    expect(readFileSync(synth.sources[0], 'utf8')).toMatch(/SB_RAM40_4K/);
    const r = await verifyBuild({ build: dir, count: 3000, gap: 7, postSynth: 'ice40' });
    expect(r.checks.map((c) => [c.design, c.mismatches, c.validErrors])).toEqual([['verilog', 0, 0], ['post-synth ice40', 0, 0]]);
    expect(r.ok).toBe(true);
  }, 300_000);
});
