// Verilator 5.006 miscompiles some gate-level cores unless its gate-wire inlining (V3Gate) is
// off: this random 10-class netlist's `--arith gates` core came out wrong on 1,114 of 3,000
// vectors (class 9's score off by 2) while Yosys `eval`, Verilator -O0 and the reference
// evaluator agreed. lgnc builds every simulator with -fno-gate; this is the case that caught it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { lgnc } from '../helpers/cli.js';

const hasVerilator = spawnSync('verilator', ['--version']).status === 0;
const work = mkdtempSync(join(tmpdir(), 'lgnc-verilator-gate-'));

describe.skipIf(!hasVerilator)('Verilator builds that V3Gate would miscompile', () => {
  it('the gate-level core of a random 10-class netlist verifies with 0 mismatches', () => {
    const model = join(work, 'ten.json');
    saveNetlist(model, randomNetlist({ inputs: 24, widths: [80, 10 * 12], classes: 10, seed: 5, name: 'ten_classes' }));
    const build = join(work, 'build');
    expect(lgnc(['compile', model, '-o', build, '--arith', 'gates']).code).toBe(0);
    const r = lgnc(['verify', model, '--build', build, '--vectors', '3000', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).checks.map((c: { design: string; mismatches: number }) => [c.design, c.mismatches])).toEqual([['verilog', 0]]);
  }, 120_000);
});
