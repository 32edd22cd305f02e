// The UART board top, simulated under Verilator the way a host talks to the board: real
// MNIST test images (pixel > 127) and random vectors go in bit by bit over uart_rx at the
// board's 115200 baud on a 12 MHz clock, and the class byte that comes back on uart_tx must
// be the reference evaluator's prediction.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/index.js';
import { compileToDir } from '../../src/emit/build.js';
import { findBoard } from '../../src/flow/boards.js';
import { clocksPerBit, uartTop } from '../../src/flow/shell.js';
import { allocSlices, evaluateNetlist, setBit, type BitSlices } from '../../src/netlist/evaluate.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { bytesPerVector, formatBinaryVectors, randomVectors } from '../../src/netlist/vectors.js';
import { ROOT } from '../helpers/cli.js';

const hasVerilator = spawnSync('verilator', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'lgnc-uart-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** MNIST test images 0..n-1 as 784 input bits (pixel > 127), followed by `random` random vectors. */
function inputs(n: number, random: number): BitSlices {
  const d = loadDataset('mnist', { limit: n });
  const rnd = randomVectors(784, random, 99);
  const x = allocSlices(784, n + random);
  for (let s = 0; s < n; s++) for (let i = 0; i < 784; i++) setBit(x, i, s, d.test.x[s * 784 + i] > 127 ? 1 : 0);
  for (let s = 0; s < random; s++) for (let i = 0; i < 784; i++) setBit(x, i, n + s, (rnd.data[i * rnd.words + (s >>> 5)] >>> (s & 31)) & 1);
  return x;
}

describe.skipIf(!hasVerilator)('UART board top under Verilator', () => {
  const net = randomNetlist({ inputs: 784, widths: [240, 200], classes: 10, seed: 11, name: 'uart_net' });
  const model = join(work, 'net.json');
  saveNetlist(model, net);

  // (The pipelined shell path is timed cycle by cycle in synth-shell.test.ts.)
  it.each([
    ['a combinational core', null],
  ])('answers each vector sent over uart_rx with the class the reference evaluator predicts (%s)', (_, pipeline) => {
    const build = join(work, `build-${pipeline ?? 0}`);
    const m = compileToDir(model, build, { pipeline });
    expect(m.pipeline.latency > 0).toBe(pipeline !== null);
    const board = findBoard('icebreaker');
    const top = uartTop(
      { top: m.top, inputs: m.inputs, classes: m.classes, scoreWidth: m.scoreWidth, classWidth: m.classWidth, pipelined: pipeline !== null, latency: m.pipeline.latency },
      { clockHz: board.clockHz, baud: board.baud },
    );
    for (const [f, text] of Object.entries(top.files)) writeFileSync(join(build, f), text);
    const sources = [join(build, m.verilog), ...Object.keys(top.files).map((f) => join(build, f))];
    const obj = join(work, `obj-${pipeline ?? 0}`);
    const v = spawnSync('verilator', ['--cc', '--exe', '--build', '-fno-dfg', '-O1', '-Wno-fatal', '--prefix', 'Vboard', '--top-module', top.name,
      '-Mdir', obj, '-o', 'tb', ...sources, join(ROOT, 'hw/test/uart_tb.cpp')], { encoding: 'utf8' });
    expect(v.stderr.match(/%Error.*/g) ?? []).toEqual([]);
    expect(v.status).toBe(0);

    const x = inputs(4, 4);
    const vectors = join(work, `vectors-${pipeline ?? 0}.bin`);
    writeFileSync(vectors, formatBinaryVectors(x));
    const run = spawnSync(join(obj, 'tb'), [vectors, String(bytesPerVector(784)), String(clocksPerBit(board))], { encoding: 'utf8' });
    expect(run.stderr).toMatch(/cycles/);
    expect(run.status).toBe(0);
    const got = run.stdout.trim().split('\n').map(Number);
    const want = Array.from(evaluateNetlist(net, x).predictions);
    expect(got).toEqual(want);
    // The classes are not all the same, so the check can tell a stuck output from a right one.
    expect(new Set(want).size).toBeGreaterThan(1);
    expect(readFileSync(join(build, `${top.name}.v`), 'utf8')).toContain('CLKS_PER_BIT = 104');
  }, 300_000);
});
