// lgnc synth end to end on small compiled fixtures: real Yosys, nextpnr-ice40 and icepack
// (WebAssembly, compiled once for this file). Checks what a user checks: a bitstream of the
// size the device takes, a report that agrees with nextpnr's own, budgets, a design that
// does not fit, the same bitstream for the same seed, and a board build.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { findDevice } from '../../src/flow/devices.js';
import { pnrFailure } from '../../src/flow/nextpnr.js';
import { enforceBudgets, synthesize, type SynthReport } from '../../src/flow/synth.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { CheckFailed } from '../../src/util/errors.js';
import { fixture, lgnc } from '../helpers/cli.js';

const work = mkdtempSync(join(tmpdir(), 'lgnc-synth-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function build(name: string, model: string, pipeline?: number): string {
  const dir = join(work, name);
  compileToDir(model, dir, { pipeline });
  return dir;
}

const TOOL_TIMEOUT = 240_000;

describe('lgnc synth (Yosys → nextpnr-ice40 → icepack)', () => {
  const fa = build('fa', fixture('full-adder.json'));
  let first: SynthReport;

  it('synthesizes a fixture for hx1k to a bitstream of the size icepack gives for the device', async () => {
    first = await synthesize(fa, { device: 'hx1k', seed: 7 });
    const bin = readFileSync(join(fa, 'full_adder.bin'));
    expect(bin.length).toBe(32220);
    expect(bin.length).toBe(findDevice('hx1k').bitstreamBytes);
    expect(first.bitstream).toMatchObject({ file: 'full_adder.bin', bytes: 32220 });
    // The serial shell was generated, synthesized as the top, and kept for people to read.
    expect(first.top).toBe('full_adder_serial');
    expect(readFileSync(join(fa, 'full_adder_serial.v'), 'utf8')).toContain('module full_adder_serial');
    expect(JSON.parse(readFileSync(join(fa, 'report.json'), 'utf8'))).toEqual(first);
  }, TOOL_TIMEOUT);

  it('reports what nextpnr reported: logic cells, I/O, Fmax, and the shell timing', () => {
    const r = first;
    const u = r.nextpnr.utilization;
    expect(r.resources.logicCells).toEqual({ used: u.ICESTORM_LC.used, available: 1280 });
    expect(u.ICESTORM_LC.used).toBeGreaterThan(0);
    // Serial shell pins: clk + 8 din + din_valid + start + 1 class bit + done.
    expect(r.resources.io).toEqual({ used: 13, available: 96 });
    expect(u.SB_IO.used).toBe(13);
    const clocks = Object.values(r.nextpnr.fmax);
    expect(clocks.length).toBe(1);
    expect(r.timing.achievedMHz).toBeCloseTo(clocks[0].achieved, 2);
    expect(r.timing.met).toBe(clocks[0].achieved >= 50);
    expect(r.resources.lut4.used).toBe(r.yosysCells.SB_LUT4);
    // Logic cells by region, counted on the placed design: they add up to nextpnr's total.
    const g = r.regions!.logicCells;
    expect(g.network + g.popcount + g.argmax + g.shell).toBe(r.resources.logicCells.used);
    expect(g.shell).toBeGreaterThan(0);
    expect(r.timing.criticalPath?.delayNs).toBeGreaterThan(0);
    // 3 input bits fit one 8-bit beat: one vector per clock, result one edge later.
    expect(r.throughput).toMatchObject({ beats: 1, latencyCycles: 1, initiationInterval: 1 });
    expect(r.throughput.inferencesPerSecond).toBe(Math.round(r.timing.achievedMHz! * 1e6));
    expect(r.steps.map((s) => s.step)).toEqual(['yosys', 'nextpnr', 'icepack']);
    // A combinational core is mapped with ABC (the argmax with area recovery); a vector of
    // one beat is kept in flip-flops whatever --bram-buffer says.
    expect(r.lutMap).toBe('abc');
    expect(r.shell.bramBuffer).toBe('flip-flops (the vector spans only a beat or two)');
    expect(r.tools.yowaspYosys).toMatch(/^0\.55\./);
    expect(r.tools.yowaspNextpnrIce40).toMatch(/^0\.8\./);
  });

  it('gives a byte-identical bitstream for the same design and seed, and reports budgets that fail', async () => {
    const again = await synthesize(fa, { device: 'hx1k', seed: 7, maxLcs: 1, minFmax: 5000 });
    expect(again.bitstream.sha256).toBe(first.bitstream.sha256);
    expect(again.ok).toBe(false);
    expect(again.budgets.failures).toEqual([
      `uses ${again.resources.logicCells.used} logic cells, budget --max-lcs 1`,
      `Fmax ${again.timing.achievedMHz!.toFixed(2)} MHz is below --min-fmax 5000 MHz`,
    ]);
    expect(() => enforceBudgets(again)).toThrow(CheckFailed);
    expect(() => enforceBudgets(first)).not.toThrow();
  }, TOOL_TIMEOUT);

  it('synthesizes a pipelined core for up5k with scores: bitstream size, latency through the shell', async () => {
    const dir = build('ops', fixture('all-ops.json'), 1);
    const m = JSON.parse(readFileSync(join(dir, 'all_ops.json'), 'utf8'));
    const r = await synthesize(dir, { device: 'up5k', scores: true, shellWidth: 2 });
    expect(r.bitstream.bytes).toBe(104090);
    expect(readFileSync(join(dir, 'all_ops.bin')).length).toBe(104090);
    expect(r.device).toMatchObject({ name: 'up5k', package: 'sg48', logicCells: 5280, userIo: 39 });
    // 2 inputs in one 2-bit beat; one edge presents the vector to the core, then its latency.
    expect(r.throughput).toMatchObject({ beats: 1, coreLatency: m.pipeline.latency, latencyCycles: 1 + m.pipeline.latency + 1, initiationInterval: 1 });
    // clk, din[1:0], din_valid, start, class_out[3:0], done, 16 one-bit scores.
    expect(r.resources.io.used).toBe(1 + 2 + 2 + 4 + 1 + 16);
    expect(r.lutMap).toBe('abc9');
  }, TOOL_TIMEOUT);

  it('builds the icebreaker UART top with the board pins, meeting the 12 MHz board clock', async () => {
    const r = await synthesize(fa, { board: 'icebreaker' });
    expect(r).toMatchObject({ board: 'icebreaker', top: 'full_adder_uart', shell: { kind: 'uart' }, device: { name: 'up5k', package: 'sg48' } });
    expect(r.bitstream.bytes).toBe(104090);
    expect(r.timing.requestedMHz).toBe(12);
    expect(r.timing.achievedMHz).toBeGreaterThan(12);
    expect(r.resources.io.used).toBe(3);
    expect(r.ok).toBe(true);
    // The UART sets the pace: 1 byte in and 1 byte out, 10 bits each, 104 clocks per bit at 12 MHz.
    expect(r.throughput).toMatchObject({ beats: 1, initiationInterval: 2 * 10 * 104 });
    expect(r.throughput.inferencesPerSecond).toBe(Math.round(12e6 / 2080));
  }, TOOL_TIMEOUT);

  it('builds the stream self-test board top: UART pins, the board clock met, the expected answer in the report and next to the shell', async () => {
    const r = await synthesize(fa, { board: 'hx8k-breakout', shell: 'stream', streamCount: 1000 });
    expect(r).toMatchObject({ board: 'hx8k-breakout', top: 'full_adder_stream_uart', shell: { kind: 'stream', verilog: 'full_adder_stream_uart.v' }, device: { name: 'hx8k', package: 'ct256' } });
    expect(r.resources.io.used).toBe(3);
    expect(r.timing.achievedMHz).toBeGreaterThan(12);
    expect(r.ok).toBe(true);
    expect(r.stream).toMatchObject({ count: 1000, cycles: 1001 });
    expect(r.selfTest!.answer).toBe(`${r.stream!.signature} ${(1001).toString(16).padStart(8, '0')}`);
    expect(r.throughput).toMatchObject({ initiationInterval: 1, inferencesPerSecond: 12_000_000 });
    const file = JSON.parse(readFileSync(join(fa, 'full_adder_stream.json'), 'utf8'));
    expect(file).toMatchObject({ signature: r.stream!.signature, uart: { top: 'full_adder_stream_uart', board: 'hx8k-breakout', clocksPerBit: 104 } });
    expect(readFileSync(join(fa, 'full_adder_stream_uart.v'), 'utf8')).toContain('full_adder_stream shell');
  }, TOOL_TIMEOUT);

  it('refuses a design that does not fit with the cells it needs and the device capacity', async () => {
    const model = join(work, 'big.json');
    // 1000 output gates read ~1,260 of 2000 inputs, each stored in a flip-flop, and are
    // counted by two 500-bit popcounts: far more than 384 cells.
    saveNetlist(model, randomNetlist({ inputs: 2000, widths: [1000], classes: 2, seed: 3, name: 'big' }));
    const dir = build('big', model);
    const err = await synthesize(dir, { device: 'lp384' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailed);
    expect((err as Error).message).toMatch(/^design does not fit: needs (\d+) logic cells, lp384 has 384 \(Yosys: \d+ LUT4, \d+ DFF/);
    expect(existsSync(join(dir, 'big.bin'))).toBe(false);
    // Yosys maps the whole 2,000-input design before the check (the shell: a register and its
    // load LUT per read bit): minutes on a loaded 2-core machine.
  }, 3 * TOOL_TIMEOUT);

  it('refuses a bare core with more pins than the package has, before running any tool', async () => {
    const model = join(work, 'wide.json');
    saveNetlist(model, randomNetlist({ inputs: 64, widths: [20], classes: 2, seed: 4, name: 'wide' }));
    const err = await synthesize(build('wide', model), { device: 'up5k', shell: 'none' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckFailed);
    // 64 x bits + 2 scores x 4 bits + 1 class bit.
    expect((err as Error).message).toBe('design does not fit: needs 73 I/O pins, up5k-sg48 has 39. Use --shell serial (inputs arrive a few bits per clock).');
  });

  it('turns a nextpnr overflow log (RuntimeError: unreachable) into a capacity message', () => {
    const log = 'Info: Device utilisation:\nInfo: \t         ICESTORM_LC:    2002/   1280   156%\nERROR: Unable to place cell \'x_LC\', no BELs remaining to implement cell type \'ICESTORM_LC\'\n';
    const e = pnrFailure(log, new Error('unreachable'), { name: 'hx1k-tq144', logicCells: 1280, userIo: 96 });
    expect(e).toBeInstanceOf(CheckFailed);
    expect(e.message).toMatch(/^design does not fit: needs 2002 logic cells, hx1k-tq144 has 1280\./);
    const other = pnrFailure('Info: x\nERROR: something else broke\n', new Error('unreachable'), { name: 'hx1k-tq144', logicCells: 1280, userIo: 96 });
    expect(other.message).toBe('nextpnr-ice40 failed: something else broke');
    expect(other.exitCode).toBe(1);
  });

  it('CLI: prints the report table, then fails the budget with exit 1 and the reason', () => {
    const r = lgnc(['synth', fa, '--device', 'hx1k', '--seed', '7', '--max-lcs', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/full_adder\.bin: 32,220 bytes, iCE40HX1K-tq144/);
    expect(r.stdout).toMatch(/logic cells\s+\d+\s+1,280/);
    expect(r.stderr).toMatch(/synth: yosys: /);
    expect(r.stderr).toMatch(/lgnc: error: budget exceeded: uses \d+ logic cells, budget --max-lcs 2\n/);
    // Same seed as above: the same bits.
    expect(JSON.parse(readFileSync(join(fa, 'report.json'), 'utf8')).bitstream.sha256).toBe(first.bitstream.sha256);
  }, TOOL_TIMEOUT);
});
