// --bram-buffer auto: block RAMs for a core that leaves the chip half empty, flip-flops for one
// that fills it (block RAM outputs congest routing there), block RAMs again when a flip-flop
// per input bit would not fit.
import { describe, expect, it } from 'vitest';
import { AUTO_BRAM_MAX_SHARE, autoBramBuffer, type CoreInterface } from '../../src/flow/shell.js';

const core = (inputs: number, unread: number[] = []): CoreInterface => ({
  top: 't', inputs, classes: 10, scoreWidth: 7, classWidth: 4, pipelined: false, latency: 0, unreadInputs: unread,
});
const HX8K = 7680;

describe('--bram-buffer auto', () => {
  it('keeps the default MNIST core (3,136 LUT4 estimated) in block RAMs on an HX8K', () => {
    const r = autoBramBuffer(core(784), 3136, HX8K);
    expect(r.on).toBe(true);
    expect(r.why).toContain('41 %');
  });

  it('takes flip-flops for the 8,000-gate core (3,817 estimated) that routed for 25+ min from block RAMs', () => {
    const r = autoBramBuffer(core(1568), 3817, HX8K);
    expect(r.on).toBe(false);
    expect(r.why).toMatch(/congest/);
  });

  it('switches at the documented share of the device', () => {
    const at = Math.floor(AUTO_BRAM_MAX_SHARE * HX8K);
    expect(autoBramBuffer(core(784), at, HX8K).on).toBe(true);
    expect(autoBramBuffer(core(784), at + 1, HX8K).on).toBe(false);
  });

  it('stays with block RAMs when a flip-flop per read bit would overfill the device', () => {
    // 6,000 LUT4s + 1,568 read bits > 90 % of 7,680: only the block RAMs leave it a chance.
    expect(autoBramBuffer(core(1568), 6000, HX8K).on).toBe(true);
    // Unread input bits cost no flip-flop: with most of them unread it fits again.
    const unread = Array.from({ length: 1500 }, (_, i) => i);
    expect(autoBramBuffer(core(1568, unread), 6000, HX8K).on).toBe(false);
  });
});
