// Fuzzing the checkpoint reader (zip → pickle → tensors → netlist): every fixture checkpoint,
// damaged at the archive level, in its pickle (bytes, and the integers that give shapes,
// strides, offsets and element counts) and in its tensor storages — with the archive's CRCs
// fixed up so the damage reaches each layer — must import to a valid netlist or be refused
// with a UserError. Never another exception, a hang, or an allocation sized by a hostile field.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCheckpoint } from '../../src/import/index.js';
import { evaluateNetlist } from '../../src/netlist/evaluate.js';
import { randomVectors } from '../../src/netlist/vectors.js';
import { fixture } from '../helpers/cli.js';
import { damageBytes, fuzz, int, type Rand } from '../helpers/fuzz.js';
import { entriesOf, makeZip, type Entry } from '../helpers/zip.js';

const DIR = fixture('checkpoints');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.pt')).sort().map((f) => new Uint8Array(readFileSync(join(DIR, f))));
const ENTRIES = FILES.map(entriesOf);

const HOSTILE_INTS = [0, 1, 2, 15, 16, 127, 128, 255, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 1e6];

/** The pickle's integer operands (BININT1, BININT2, BININT) set to hostile values. */
function hostileInts(pkl: Uint8Array, rand: Rand): Uint8Array {
  const out = Buffer.from(pkl);
  const at: number[] = [];
  for (let i = 0; i < out.length - 4; i++) if (out[i] === 0x4b || out[i] === 0x4d || out[i] === 0x4a) at.push(i);
  const n = 1 + int(rand, 3);
  for (let k = 0; k < n && at.length; k++) {
    const i = at[int(rand, at.length)];
    const v = HOSTILE_INTS[int(rand, HOSTILE_INTS.length)];
    if (out[i] === 0x4b) out[i + 1] = v & 0xff;
    else if (out[i] === 0x4d) out.writeUInt16LE(v & 0xffff, i + 1);
    else out.writeInt32LE(v | 0, i + 1);
  }
  return new Uint8Array(out);
}

function makeCase(rand: Rand, i: number): { bytes: Uint8Array; mode: number; classes?: number } {
  const f = i % FILES.length;
  const mode = int(rand, 5);
  const classes = rand() < 0.8 ? 1 + int(rand, 4) : undefined;
  if (mode === 0) return { bytes: damageBytes(FILES[f], rand), mode, classes };
  const entries: Entry[] = ENTRIES[f].map((e) => ({ ...e }));
  const pkl = entries.findIndex((e) => e.name.endsWith('data.pkl'));
  if (mode === 1) entries[pkl].data = damageBytes(entries[pkl].data, rand);
  else if (mode === 2) entries[pkl].data = hostileInts(entries[pkl].data, rand);
  else if (mode === 3) {
    const storages = entries.filter((e) => /\/data\/\w+$/.test(e.name));
    const s = storages[int(rand, storages.length)];
    if (s) s.data = damageBytes(s.data, rand);
  } else entries.splice(int(rand, entries.length), 1);
  return { bytes: makeZip(entries, { deflate: rand() < 0.3 }), mode, classes };
}

describe('checkpoint reader fuzzing', () => {
  it('3,000 damaged checkpoints (archive, pickle bytes, pickle integers, storages, missing entries): a netlist or a UserError', () => {
    const r = fuzz({
      seed: 2019,
      cases: 3000,
      make: makeCase,
      run: (c) => {
        const { netlist } = importCheckpoint(c.bytes, 'model.pt', { name: 'm', classes: c.classes });
        evaluateNetlist(netlist, randomVectors(netlist.inputs, 8, 1));
      },
      show: (c) => `mode ${c.mode}, classes ${c.classes}: ${Buffer.from(c.bytes).toString('base64')}`,
      // One refusal shows the torch.save line to fix a checkpoint without indices.
      multiLine: true,
    });
    expect(r.failures).toEqual([]);
    expect(r.valid).toBeGreaterThan(100);
    expect(r.kinds).toBeGreaterThan(40);
  });
});
