// Fuzzing the vector reader (text and packed binary): damaged and hostile vector files must
// each read as vectors of the right width or be refused with a one-line UserError.

import { describe, expect, it } from 'vitest';
import { getBit } from '../../src/netlist/evaluate.js';
import { LIMITS } from '../../src/netlist/limits.js';
import { formatBinaryVectors, formatTextVectors, parseBinaryVectors, parseTextVectors, randomVectors } from '../../src/netlist/vectors.js';
import { UserError } from '../../src/util/errors.js';
import { damageBytes, damageText, fuzz, int, type Rand } from '../helpers/fuzz.js';

interface Case {
  inputs: number;
  text?: string;
  bin?: Uint8Array;
}

function makeCase(rand: Rand, i: number): Case {
  const inputs = 1 + int(rand, 70);
  const x = randomVectors(inputs, int(rand, 40), i);
  if (i % 2) {
    let bin = formatBinaryVectors(x);
    if (rand() < 0.7 && bin.length) bin = damageBytes(bin, rand);
    return { inputs: rand() < 0.1 ? 1 + int(rand, 200) : inputs, bin };
  }
  let text = formatTextVectors(x);
  const lines = text.split('\n');
  switch (int(rand, 5)) {
    case 0: text = damageText(text, rand); break;
    case 1: lines.splice(int(rand, lines.length), 0, ['#', '# comment', '', '  ', '0'.repeat(inputs + 1), '\r', '1'.repeat(inputs) + '\r', '2'.repeat(inputs), '0'.repeat(inputs - 1) + 'é'][int(rand, 9)]); text = lines.join('\n'); break;
    case 2: text = lines.join('\r\n'); break;
    case 3: text = damageText(damageText(text, rand), rand); break;
    default: break;
  }
  return { inputs, text };
}

describe('vector reader fuzzing', () => {
  it('3,000 damaged text and binary vector files: each reads to the right width or is a one-line UserError', () => {
    const r = fuzz({
      seed: 191,
      cases: 3000,
      make: makeCase,
      run: (c) => {
        const x = c.text !== undefined ? parseTextVectors(c.text, c.inputs, 'v.txt') : parseBinaryVectors(c.bin!, c.inputs, 'v.bin');
        if (x.rows !== c.inputs) throw new Error(`read ${x.rows} bits per vector, expected ${c.inputs}`);
        for (let s = 0; s < x.count; s++) getBit(x, c.inputs - 1, s);
      },
      show: (c) => `inputs ${c.inputs}: ${c.text !== undefined ? JSON.stringify(c.text) : Buffer.from(c.bin!).toString('hex')}`,
    });
    expect(r.failures).toEqual([]);
    expect(r.valid).toBeGreaterThan(300);
    expect(r.refused).toBeGreaterThan(300);
  });

  it('a vector file whose count times width passes the limit is refused before allocating', () => {
    // 4,096 inputs take 512 bytes a vector; a file of 1 M+ vectors would be 2^32+ bits.
    const inputs = 4096;
    const count = LIMITS.vectorBits / inputs + 32;
    const bin = new Uint8Array((inputs / 8) * count);
    expect(() => parseBinaryVectors(bin, inputs, 'huge.bin')).toThrow(UserError);
    expect(() => parseBinaryVectors(bin, inputs, 'huge.bin')).toThrow(/huge\.bin: 1,048,608 vectors of 4,096 bits is more than lgnc's limit of 4,294,967,296 input bits × vectors/);
  });
});
