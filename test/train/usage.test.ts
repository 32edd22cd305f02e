// Gate usage: dead gates and absorbed (wire, inverter, constant) gates of a frozen netlist.

import { describe, expect, it } from 'vitest';
import type { Netlist } from '../../src/netlist/netlist.js';
import { gateUsage } from '../../src/train/usage.js';

describe('gateUsage', () => {
  it('counts dead gates through the ops that ignore an input, and live wires/inverters/constants', () => {
    // Layer 0: g0 = AND(x0,x1), g1 = XOR(x1,x2), g2 = NOT A(x2) [read by nothing live], g3 = OR(x0,x2)
    // Layer 1 (outputs, 2 classes × 2): A(g0, g2) reads only g0; TRUE(g1, g1) reads nothing;
    //   NOR(g3, g0); B(g2, g1) reads only g1.
    const net: Netlist = {
      format: 'lgn-netlist', version: 1, name: 't', inputs: 3,
      layers: [
        { a: [0, 1, 2, 0], b: [1, 2, 2, 2], op: [1, 6, 12, 7] },
        { a: [0, 1, 3, 2], b: [2, 1, 0, 1], op: [3, 15, 8, 5] },
      ],
      output: { kind: 'groupsum', classes: 2 },
    };
    expect(gateUsage(net)).toEqual({ gates: 8, dead: 1, passThrough: 2, constant: 1, unusedFraction: 4 / 8 });
  });
});
