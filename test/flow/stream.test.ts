// The stream shell under Verilator: an on-chip rule-30 source feeds a combinational and a
// pipelined core one vector per clock, a MISR folds every result; the signature and cycle
// count must be what lgnc computes from the reference evaluator, and a model that differs in
// one gate must give another signature (the check can fail).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir, coreInterface } from '../../src/emit/build.js';
import { expectedStream, selfTest, selfTestAnswer, streamCycles, streamShell, streamUartTop } from '../../src/flow/stream.js';
import { findBoard } from '../../src/flow/boards.js';
import { clocksPerBit } from '../../src/flow/shell.js';
import { verifyBuild } from '../../src/flow/verify.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';

const hasVerilator = spawnSync('verilator', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'lgnc-stream-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('stream shell', () => {
  const net = randomNetlist({ inputs: 50, widths: [60, 40], classes: 4, seed: 8, name: 'stream_net' });
  const model = join(work, 'net.json');
  saveNetlist(model, net);

  it('the expectation depends on every result: one changed gate, or another seed, changes the signature', () => {
    const m = compileToDir(model, join(work, 'plain'));
    const core = coreInterface(m);
    const a = expectedStream(net, core, { count: 3000, seed: 1 });
    expect(a.signature).toMatch(/^[0-9a-f]{16}$/);
    expect(a.cycles).toBe(3001);  // the loading edge, then one vector per edge
    expect(expectedStream(net, core, { count: 3000, seed: 2 }).signature).not.toBe(a.signature);
    const last = net.layers[net.layers.length - 1];
    const changed = { ...net, layers: [...net.layers.slice(0, -1), { ...last, op: last.op.map((op, i) => (i === 0 ? 15 - op : op)) }] };
    expect(expectedStream(changed, core, { count: 3000, seed: 1 }).signature).not.toBe(a.signature);
  });

  it.skipIf(!hasVerilator).each([
    ['a combinational core', null],
    ['a core pipelined every 2 levels', 2],
  ])('runs one vector per clock and ends with the expected signature and cycle count (%s)', async (_, pipeline) => {
    const build = join(work, `build-${pipeline ?? 0}`);
    const m = compileToDir(model, build, { pipeline });
    const core = coreInterface(m);
    const count = 4000;
    const shell = streamShell(core, { count, seed: 5 });
    const expected = expectedStream(net, core, { count, seed: 5 });
    expect(expected.cycles).toBe(streamCycles(core, count));
    writeFileSync(join(build, `${shell.name}.v`), shell.verilog);
    writeFileSync(join(build, `${shell.name}.json`), JSON.stringify({ format: 'lgnc-stream', version: 1, top: shell.name, core: m.top, ...expected }));
    const r = await verifyBuild({ build, count: 64 });
    expect(r.stream).toHaveLength(1);
    expect(r.stream![0]).toMatchObject({ signature: expected.signature, cycles: expected.cycles, done: true, ok: true });
    expect(r.ok).toBe(true);
  }, 300_000);

  it('the self-test answer is the signature and the cycle count in hex, and the check command compares exactly that line', () => {
    const e = { count: 1 << 20, seed: 1, signature: '31e2601ebff300ab', cycles: 1048584 };
    expect(selfTestAnswer(e)).toBe('31e2601ebff300ab 00100008');
    const st = selfTest(e, { clockHz: 12_000_000, baud: 115200 });
    expect(st).toMatchObject({ command: 'S', answer: '31e2601ebff300ab 00100008', answerBytes: 27 });
    expect(st.check).toContain("printf S");
    expect(st.check).toContain("grep -qx '31e2601ebff300ab 00100008'");
    expect(st.check).toContain('stty -F /dev/ttyUSB1 115200 raw');
    expect(st.runSeconds).toBeCloseTo(1048584 / 12e6, 9);
  });

  it.skipIf(!hasVerilator)('the board top answers the self-test command over its UART with the expected line, at power-up and again after a finished run; a different source fails', async () => {
    const build = join(work, 'board');
    const m = compileToDir(model, build, { pipeline: 2 });
    const core = coreInterface(m);
    const board = findBoard('hx8k-breakout');
    const o = { count: 3000, seed: 3, clockHz: board.clockHz, baud: board.baud };
    const top = streamUartTop(core, o);
    const expected = expectedStream(net, core, o);
    const uart = { top: top.name, board: board.name, clockHz: board.clockHz, baud: board.baud, clocksPerBit: clocksPerBit(board) };
    for (const [f, text] of Object.entries(top.files)) writeFileSync(join(build, f), text);
    const expectFile = join(build, `${top.shell.name}.json`);
    writeFileSync(expectFile, JSON.stringify({ format: 'lgnc-stream', version: 1, top: top.shell.name, core: m.top, ...expected, uart }));
    const r = await verifyBuild({ build, count: 16 });
    expect(r.stream).toHaveLength(1);
    // Two commands: one during the power-up run, one after it (the board starts the run again).
    expect(r.stream![0].uart).toEqual({ top: top.name, answers: [selfTestAnswer(expected), selfTestAnswer(expected)], expected: selfTestAnswer(expected) });
    expect(r.stream![0]).toMatchObject({ signature: expected.signature, cycles: expected.cycles, ok: true });
    expect(r.ok).toBe(true);

    // The same top with another automaton seed in its shell: the answers differ, verify fails.
    const shellFile = join(build, `${top.shell.name}.v`);
    const other = streamShell(core, { count: 3000, seed: 4 }).verilog;
    expect(other).not.toBe(readFileSync(shellFile, 'utf8'));
    writeFileSync(shellFile, other);
    const bad = await verifyBuild({ build, count: 16 });
    expect(bad.ok).toBe(false);
    expect(bad.stream![0].uart!.answers).toHaveLength(2);
    expect(bad.stream![0].uart!.answers[0]).not.toBe(selfTestAnswer(expected));
  }, 300_000);
});
