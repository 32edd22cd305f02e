import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileToDir, readBuildManifest, selfCheck } from '../../src/emit/build.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { optimize } from '../../src/ir/passes/index.js';
import { loadNetlist } from '../../src/netlist/netlist.js';
import { isVerilogIdentifier, verilogIdentifier } from '../../src/emit/names.js';
import { saveNetlist } from '../../src/netlist/netlist.js';
import { randomNetlist } from '../../src/netlist/random.js';
import { UserError } from '../../src/util/errors.js';
import { fixture } from '../helpers/cli.js';

const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

describe('compileToDir and readBuildManifest (the build contract)', () => {
  it('writes <top>.v, <top>.json and <top>.ir.json with the contract fields', () => {
    const dir = tmp('lgnc-build-');
    const model = fixture('full-adder.json');
    const m = compileToDir(model, dir, {});
    expect(readdirSync(dir).sort()).toEqual(['full_adder.ir.json', 'full_adder.json', 'full_adder.v']);
    const onDisk = JSON.parse(readFileSync(join(dir, 'full_adder.json'), 'utf8'));
    expect(onDisk).toEqual(m);
    expect(m).toMatchObject({
      format: 'lgnc-build', version: 1, top: 'full_adder', verilog: 'full_adder.v', model,
      inputs: 3, classes: 2, outputsPerClass: 1, scoreWidth: 1, classWidth: 1,
      pipeline: { every: null, latency: 0 }, optimized: true,
    });
    expect(m.modelSha256).toBe(createHash('sha256').update(readFileSync(model)).digest('hex'));
    expect(m.lgncVersion).toBe(JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
    const v = readFileSync(join(dir, 'full_adder.v'), 'utf8');
    expect(v).toContain(`model sha256: ${m.modelSha256}`);
    expect(v).toContain('module full_adder (');
    expect(v).toMatch(/input {2}wire \[2:0\] x,\n {2}output wire \[1:0\] scores,\n {2}output wire \[0:0\] class_id\n\);/);
    const ir = JSON.parse(readFileSync(join(dir, 'full_adder.ir.json'), 'utf8'));
    expect(ir).toMatchObject({ format: 'lgnc-ir', version: 1, inputs: 3, classes: 2 });
    expect(ir.a.length).toBe(ir.gates);
    expect(readBuildManifest(dir)).toEqual(m);
  });

  it('is deterministic: the same model and options give byte-identical files', () => {
    const a = tmp('lgnc-det-a-'), b = tmp('lgnc-det-b-');
    const model = fixture('all-ops-deep.json');
    compileToDir(model, a, { pipeline: 2 });
    compileToDir(model, b, { pipeline: 2 });
    for (const f of readdirSync(a)) expect(readFileSync(join(b, f))).toEqual(readFileSync(join(a, f)));
  });

  it('pipelined builds report latency and the clocked interface', () => {
    const dir = tmp('lgnc-pipe-');
    const m = compileToDir(fixture('all-ops-deep.json'), dir, { pipeline: 2, top: 'core' });
    expect(m.pipeline.every).toBe(2);
    expect(m.pipeline.latency).toBe(Math.max(1, Math.ceil(m.stats.levels / 2)));
    const v = readFileSync(join(dir, 'core.v'), 'utf8');
    expect(v).toContain('input  wire clk,');
    expect(v).toContain('input  wire in_valid,');
    expect(v).toContain('output wire out_valid,');
    expect(v).toMatch(/reg valid_q0 = 1'b0;/);
  });

  it('--no-opt keeps every netlist gate', () => {
    const m = compileToDir(fixture('same-input.json'), tmp('lgnc-noopt-'), { optimize: false });
    expect(m.optimized).toBe(false);
    expect(m.stats.gatesByRegion.network).toBe(12);
    expect(m.stats.passes.map((p) => p.pass)).toEqual(['popcount', 'argmax']);
  });

  it('several builds in one folder: readBuildManifest needs the top; bad folders and names give user errors', () => {
    const dir = tmp('lgnc-multi-');
    compileToDir(fixture('xor.json'), dir, { top: 'one' });
    compileToDir(fixture('xor.json'), dir, { top: 'two' });
    writeFileSync(join(dir, 'other.json'), '{"format": "something-else"}');
    expect(() => readBuildManifest(dir)).toThrow(/several builds \(one, two\).*--top/);
    expect(readBuildManifest(dir, 'two').top).toBe('two');
    expect(() => readBuildManifest(dir, 'three')).toThrow(/no build for top "three"; found: one, two/);
    expect(() => readBuildManifest(join(dir, 'missing'))).toThrow(UserError);
    expect(() => readBuildManifest(tmp('lgnc-empty-'))).toThrow(/no build manifest/);
    expect(() => compileToDir(fixture('xor.json'), dir, { top: '1bad name' })).toThrow(/not a legal Verilog module name.*--top m_1bad_name/);
    expect(() => compileToDir(fixture('xor.json'), dir, { pipeline: 0 })).toThrow(UserError);
    expect(() => compileToDir(join(dir, 'nope.json'), dir, {})).toThrow(/no such netlist file/);
  });

  it('the self-check stops a build whose design differs from the netlist', () => {
    const net = loadNetlist(fixture('all-ops-deep.json'));
    const ir = optimize(irFromNetlist(net)).ir;
    expect(() => selfCheck(net, ir)).not.toThrow();
    const broken = { ...ir, scores: ir.scores!.slice() };
    broken.scores[0] ^= 1; // the lowest score bit of class 0, inverted
    expect(() => selfCheck(net, broken)).toThrow(/self-check failed/);
  });

  it('module names are sanitized netlist names', () => {
    expect(verilogIdentifier('mnist-s')).toBe('mnist_s');
    expect(verilogIdentifier('6x8000 net!')).toBe('m_6x8000_net_');
    expect(verilogIdentifier('module')).toBe('module_');
    expect(verilogIdentifier('')).toBe('lgn');
    for (const n of ['mnist-s', '6x8000 net!', 'module', '', 'ünï', 'wire']) expect(isVerilogIdentifier(verilogIdentifier(n))).toBe(true);
  });

  it('compiles a 6×8000 random net (784 inputs, 10 classes): removes gates, estimates LUTs', () => {
    const dir = tmp('lgnc-6x8k-');
    const model = join(dir, 'net.json');
    saveNetlist(model, randomNetlist({ inputs: 784, widths: Array(6).fill(8000), classes: 10, seed: 1, name: 'r6x8k' }));
    const m = compileToDir(model, dir, {});
    expect(m.stats.netlistGates).toBe(48000);
    expect(m.stats.networkGates).toBeLessThan(48000 * 0.5);
    expect(m.stats.lut4Estimate).toBeGreaterThan(0);
    expect(m.stats.lut4Estimate).toBeLessThan(m.stats.gates);
  });
});
describe('compileToDir on a large net', () => {
  it('writes a 160,000-gate layer (module bodies are not limited by the call stack)', () => {
    const dir = tmp('lgnc-build-big-');
    const model = join(dir, 'big.json');
    saveNetlist(model, randomNetlist({ inputs: 256, widths: [160000], classes: 10, seed: 1 }));
    const m = compileToDir(model, dir, {});
    expect(m.stats.networkGates).toBeGreaterThan(60000);
    expect(readFileSync(join(dir, m.verilog), 'utf8')).toMatch(/endmodule\s*`default_nettype wire\s*$/);
  }, 120_000);
});

