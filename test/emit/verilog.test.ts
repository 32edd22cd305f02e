import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileToDir } from '../../src/emit/build.js';
import { estimateLut4 } from '../../src/emit/lut-estimate.js';
import { opExpression } from '../../src/emit/verilog.js';
import { opBit } from '../../src/netlist/gates.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { inputLit, IrBuilder } from '../../src/ir/ir.js';
import { fixture } from '../helpers/cli.js';
import { FIXTURES, randomTestNetlist } from '../ir/helpers.js';
import { HAS_VERILATOR, lint } from './sim.js';

/** Evaluates a Verilog gate expression on 1-bit values (its operators mean the same in JS). */
function evalExpression(expr: string, a: number, b: number): number {
  const js = expr.replace(/1'b([01])/g, '$1').replace(/\bA\b/g, String(a)).replace(/\bB\b/g, String(b));
  return Function(`return (${js}) & 1`)() as number;
}

describe('Verilog emitter', () => {
  it('each op\'s expression computes the gate table', () => {
    for (let op = 0; op < 16; op++) {
      for (let a = 0; a < 2; a++) for (let b = 0; b < 2; b++) {
        expect(evalExpression(opExpression(op, 'A', 'B'), a, b), `op ${op} on ${a}${b}: ${opExpression(op, 'A', 'B')}`).toBe(opBit(op, a, b));
      }
    }
  });

  it.skipIf(!HAS_VERILATOR)('every emitted file passes verilator --lint-only -Wall: fixtures and random nets, combinational, pipelined, --no-opt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lgnc-lint-'));
    const models = FIXTURES.map((f) => fixture(`${f}.json`));
    // Edge case: everything folds to constants (no gate left, x unread, one class).
    const constNet = join(dir, 'const.json');
    writeFileSync(constNet, JSON.stringify({ format: 'lgn-netlist', version: 1, name: 'const', inputs: 1,
      layers: [{ a: [0, 0, 0], b: [0, 0, 0], op: [0, 15, 15] }], output: { kind: 'groupsum', classes: 1 } }));
    models.push(constNet);
    for (let seed = 1; seed <= 8; seed++) {
      const p = join(dir, `r${seed}.json`);
      saveNetlist(p, randomTestNetlist(seed));
      models.push(p);
    }
    const variants = [{}, { pipeline: 1 }, { pipeline: 3 }, { optimize: false }, { optimize: false, pipeline: 2 }];
    models.forEach((model, i) => {
      // Every variant on the fixtures, two on each random net (lint runs cost ~0.3 s each).
      const vs = i <= FIXTURES.length ? variants : [variants[i % 2 ? 1 : 3], variants[i % 2 ? 4 : 0]];
      for (const v of vs) {
        const m = compileToDir(model, dir, { top: 't', ...v });
        const r = lint(join(dir, m.verilog));
        expect(r.ok, `${model} ${JSON.stringify(v)}:\n${r.log}`).toBe(true);
      }
    });
  });
  if (!HAS_VERILATOR) it.skip('verilator is not installed: lint tests skipped (apt-get install verilator)', () => {});

  it('LUT4 estimate: one LUT per ≤4-input cone, two for a full adder', () => {
    const build = (inputs: number, f: (b: IrBuilder) => number[]) => {
      const b = new IrBuilder(inputs);
      const outs = f(b);
      return b.finish({ name: 'l', inputs, classes: 1, outputsPerClass: outs.length }, { outputs: Int32Array.from(outs), scores: null, classId: null });
    };
    const x = (i: number) => inputLit(i);
    expect(estimateLut4(build(2, (b) => [b.add(1, x(0), x(1))]))).toBe(1);
    // ((x0 & x1) ^ (x2 | x3)): 3 gates, 4 inputs → 1 LUT.
    expect(estimateLut4(build(4, (b) => [b.add(6, b.add(1, x(0), x(1)), b.add(7, x(2), x(3)))]))).toBe(1);
    // 5 inputs cannot fit one LUT4.
    expect(estimateLut4(build(5, (b) => [b.add(6, b.add(6, b.add(1, x(0), x(1)), b.add(7, x(2), x(3))), x(4))]))).toBe(2);
    // Full adder: sum and carry are 3-input functions → 2 LUTs.
    expect(estimateLut4(build(3, (b) => {
      const t = b.add(6, x(0), x(1));
      const s = b.add(6, t, x(2));
      const c = b.add(7, b.add(1, x(0), x(1)), b.add(1, t, x(2)));
      return [s, c];
    }))).toBe(2);
  });
});
