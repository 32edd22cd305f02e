// Fuzzing the netlist loader: seeded mutations of valid netlists (values, types, sizes,
// missing and extra keys, then text damage and truncation) must each load and evaluate, or
// be refused with a one-line UserError — never another exception, a hang or a huge allocation.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/data/encoding.js';
import { selfCheck } from '../../src/emit/build.js';
import { irFromNetlist } from '../../src/ir/from-netlist.js';
import { optimize } from '../../src/ir/passes/index.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { LIMITS } from '../../src/netlist/limits.js';
import { parseNetlist, validateNetlist } from '../../src/netlist/netlist.js';
import { summarize } from '../../src/netlist/summary.js';
import { randomVectors } from '../../src/netlist/vectors.js';
import { UserError } from '../../src/util/errors.js';
import { fixture } from '../helpers/cli.js';
import { fuzz, mutatedJsonText } from '../helpers/fuzz.js';

const BASES = ['xor.json', 'full-adder.json', 'thresholds.json', 'all-ops.json', 'majority3.json', 'same-input.json']
  .map((f) => JSON.parse(readFileSync(fixture(f), 'utf8')));

/** What `lgnc check`, `eval` and `compile` do with a netlist once it has loaded. */
function useNetlist(text: string, deep: boolean): void {
  const net = parseNetlist(text, 'fuzz.json');
  summarize(net);
  const x = randomVectors(net.inputs, 8, 1);
  evaluateNetlist(net, x);
  if (net.encoding) encode(net.encoding, new Float32Array(8 * net.encoding.features).map((_, i) => (i % 7) - 3), 8);
  // Compiling costs time in proportion to the inputs: mutants at the 2^20-input limit only load
  // (the limit itself is covered below), so the corpus stays within its time.
  if (deep && net.inputs <= 1 << 16) selfCheck(net, optimize(irFromNetlist(net)).ir, 32);
}

describe('netlist loader fuzzing', () => {
  it('the harness catches what it must: a crash, a huge allocation, a slow case, a multi-line refusal', () => {
    const cases: (() => void)[] = [
      () => JSON.parse('{').x.y,
      () => new Float64Array(1e9),
      () => Array.from({ length: 1e8 }),
      () => { const t = performance.now(); while (performance.now() - t < 30); },
      () => { throw new UserError('two\nlines'); },
      () => { throw new UserError('fine: one line'); },
    ];
    const r = fuzz({ seed: 1, cases: cases.length, make: (_, i) => i, run: (i) => cases[i](), show: String, timeMs: 20 });
    expect(r.failures.map((f) => f.replace(/^seed 1 case (\d+): (\w+).*$/s, '$1 $2'))).toEqual(['0 crash', '1 allocation', '2 allocation', '3 took', '4 refusal']);
    expect(r.refused).toBe(1);
  });

  it('5,000 mutated netlists: each valid (and it evaluates and compiles) or a one-line UserError', () => {
    const r = fuzz({
      seed: 19,
      cases: 5000,
      make: (rand, i) => mutatedJsonText(BASES[i % BASES.length], rand),
      run: (text) => useNetlist(text, true),
      show: (text) => text,
    });
    expect(r.failures).toEqual([]);
    expect(r.cases).toBe(5000);
    // The corpus reaches far: many different refusals, and some mutants are still valid.
    expect(r.kinds).toBeGreaterThan(40);
    expect(r.valid).toBeGreaterThan(100);
  });

  it('sizes just past every limit are refused with the limit in the message; at the limit they load', () => {
    const base = BASES[0];
    const refused = (net: unknown) => {
      try {
        parseNetlist(JSON.stringify(net), 'big.json');
      } catch (err) {
        expect(err).toBeInstanceOf(UserError);
        return (err as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused({ ...base, inputs: 1e12 })).toMatch(/big\.json: \/inputs: .*1,000,000,000,000.*limit of 1,048,576 input bits/);
    expect(refused({ ...base, inputs: LIMITS.inputs + 1 })).toMatch(/limit of 1,048,576/);
    expect(refused({ ...base, output: { kind: 'groupsum', classes: LIMITS.classes + 1 } })).toMatch(/\/output\/classes: .*limit of 65,536 classes/);
    expect(refused({ ...base, layers: Array(LIMITS.layers + 1).fill(base.layers[0]) })).toMatch(/1,025 layers is more than lgnc's limit of 1,024/);
    expect(refused({ ...base, name: 'n'.repeat(LIMITS.nameLength + 1) })).toMatch(/\/name: .*257 characters.*limit of 256/);
    // Wide layers, validated in place (one shared array, so the test stays fast); the total is
    // refused before the schema walks the entries at all.
    const wide = Array(LIMITS.layerWidth + 1).fill(0);
    expect(() => validateNetlist({ ...base, layers: [{ a: wide, b: wide, op: wide }] }, 'big.json')).toThrow(/big\.json: \/layers\/0\/a: .*4,194,305.*limit of 4,194,304 gates per layer/);
    const full = wide.slice(1);
    const layer = { a: full, b: full, op: full };
    const t0 = performance.now();
    expect(() => validateNetlist({ ...base, layers: [layer, layer, layer, layer, { a: [0, 1], b: [1, 0], op: [6, 9] }] }, 'big.json'))
      .toThrow(/\/layers: 16,777,218 gates is more than lgnc's limit of 16,777,216 gates in all/);
    expect(performance.now() - t0).toBeLessThan(100);
    expect(refused({ ...base, encoding: { kind: 'thresholds', features: 1, thresholds: [Array.from({ length: LIMITS.thresholdsPerFeature + 1 }, (_, i) => i)] } })).toMatch(/thresholds\/0: .*limit of 1,024 thresholds per feature/);
    const atLimit = parseNetlist(JSON.stringify({ ...base, inputs: LIMITS.inputs }), 'ok.json');
    expect(summarize(atLimit).unusedInputs).toBe(LIMITS.inputs - 2);
  });
});
