// The serial shell under Verilator: vectors streamed in back to back, 7 bits per clock (so
// the last beat is partial), around a combinational and a pipelined core. Every result must
// be the reference evaluator's class, and arrive exactly when the synthesis report says:
// the latency and initiation interval of serialTiming are what the hardware does.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileToDir, coreInterface } from '../../src/emit/build.js';
import { serialShell, serialTiming, type CoreInterface } from '../../src/flow/shell.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { bytesPerVector, formatBinaryVectors, randomVectors } from '../../src/netlist/vectors.js';
import { ROOT } from '../helpers/cli.js';

const hasVerilator = spawnSync('verilator', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'lgnc-shell-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!hasVerilator)('serial shell under Verilator', () => {
  const net = randomNetlist({ inputs: 100, widths: [60, 50], classes: 5, seed: 21, name: 'shell_net' });
  const model = join(work, 'net.json');
  saveNetlist(model, net);
  const WIDTH = 7;

  it.each([
    ['a combinational core', null, 0],
    ['a core pipelined every level', 1, 0],
    ['a combinational core, the vector in 3 block RAMs', null, 3],
    ['a core pipelined every level, the vector in 2 block RAMs', 1, 2],
  ])('streams vectors back to back and gives each class at the reported latency (%s)', (_, pipeline, brams) => {
    const build = join(work, `build-${pipeline ?? 0}-${brams}`);
    const m = compileToDir(model, build, { pipeline });
    // The manifest's interface: the shell keeps only the input bits the core reads.
    const core: CoreInterface = coreInterface(m);
    expect(core.unreadInputs!.length).toBeGreaterThan(0);
    const shell = serialShell(core, { width: WIDTH, scores: false, brams });
    // Block RAMs take the first 16 read bits each; the rest stay in flip-flops.
    expect((shell.verilog.match(/_vbuf vbuf_/g) ?? []).length).toBe(brams);
    expect(shell.verilog).toContain('row_now[2]');  // 15 beats: a 4 x 4 grid, so the row token runs
    writeFileSync(join(build, `${shell.name}.v`), shell.verilog);
    const obj = join(work, `obj-${pipeline ?? 0}-${brams}`);
    const v = spawnSync('verilator', ['--cc', '--exe', '--build', '-fno-dfg', '-O1', '-Wno-fatal', '--prefix', 'Vshell', '--top-module', shell.name,
      '-Mdir', obj, '-o', 'tb', join(build, m.verilog), join(build, `${shell.name}.v`), join(ROOT, 'hw/test/serial_tb.cpp')], { encoding: 'utf8' });
    expect(v.stderr.match(/%Error.*/g) ?? []).toEqual([]);
    expect(v.status).toBe(0);

    const x = randomVectors(100, 40, 5);
    const file = join(work, `vectors-${pipeline ?? 0}-${brams}.bin`);
    writeFileSync(file, formatBinaryVectors(x));
    const run = spawnSync(join(obj, 'tb'), [file, String(bytesPerVector(100)), '100', String(WIDTH)], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const results = run.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
    const t = serialTiming(core, WIDTH, brams);
    expect(t.beats).toBe(15);
    expect(t.initiationInterval).toBe(15);
    // The block RAMs are read out once the vector is complete: one cycle more.
    expect(t.latencyCycles).toBe((pipeline === null ? 15 : 15 + m.pipeline.latency + 1) + (brams > 0 ? 1 : 0));
    // Vector v's first beat is sampled at edge 1 + v*beats; done follows latencyCycles later.
    expect(results.map(([edge]) => edge)).toEqual(Array.from({ length: 40 }, (_, v) => 1 + v * t.initiationInterval + t.latencyCycles));
    expect(results.map(([, cls]) => cls)).toEqual(Array.from(evaluateNetlist(net, x).predictions));
  }, 300_000);
});
