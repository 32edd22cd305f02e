// Training options: defaults, `--tau auto`, and the messages bad values give.

import { describe, expect, it } from 'vitest';
import { autoTau, connectAt, defaultRecipe, PRESETS, resolveConfig } from '../../src/train/config.js';

describe('training config', () => {
  it('tau auto = √(outputs per class) / 3: 9.4 at 800 per class (difflogic used 10), 3 at 80', () => {
    expect(autoTau(800)).toBe(9.4);
    expect(autoTau(80)).toBe(3);
    const c = resolveConfig({ dataset: 'mnist', width: [1000, 500], tau: 'auto' }, 10, 'uniform:1');
    expect([c.tau, c.tauAuto]).toEqual([autoTau(50), true]);
  });

  it('the default recipe is what an empty config resolves to, and fits the size it promises', () => {
    const c = resolveConfig({ dataset: 'mnist' }, 10, 'uniform:1');
    expect(c).toMatchObject({ widths: [...defaultRecipe.width], tau: defaultRecipe.tau, param: 'iwp', connect: 'topk:4', batch: 64, lr: 0.05 });
    expect(c.widths.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(6000);
    expect(c.widths[c.widths.length - 1] / 10).toBeLessThanOrEqual(100); // outputs per class
  });

  it('presets: fill in their recipe, given options override it, the name is recorded; the 8k ones stay ≤ 8,000 gates', () => {
    const c = resolveConfig({ dataset: 'mnist', preset: 'mnist-8k' }, 10, 'uniform:1');
    expect(c).toMatchObject({ preset: 'mnist-8k', widths: PRESETS['mnist-8k'].options.width, connect: PRESETS['mnist-8k'].options.connect });
    const o = resolveConfig({ dataset: 'mnist', preset: 'mnist-8k', epochs: 3, lr: 0.01, width: undefined }, 10, 'uniform:1');
    expect([o.epochs, o.lr, o.widths]).toEqual([3, 0.01, PRESETS['mnist-8k'].options.width]);
    for (const name of ['mnist-8k', 'fashion-8k']) {
      const w = PRESETS[name].options.width as number[];
      expect(w.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(8000);
    }
    expect(() => resolveConfig({ dataset: 'mnist', preset: 'mnist-1k' }, 10, 'uniform:1')).toThrow(/--preset "mnist-1k": no such preset; use one of mnist-8k, fashion-8k/);
  });

  it('--shrink: the connections each epoch trains with', () => {
    const c = resolveConfig({ dataset: 'mnist', connect: 'dense', shrink: '1:16,3:4' }, 10, 'uniform:1');
    expect(c.shrink).toEqual([[1, 16], [3, 4]]);
    expect([0, 1, 2, 3, 9].map((e) => connectAt(c, e))).toEqual([-1, 16, 16, 4, 4]);
    expect([0, 5].map((e) => connectAt(resolveConfig({ dataset: 'mnist', connect: 'topk:8', shrink: '5:2' }, 10, 'uniform:1'), e))).toEqual([8, 2]);
  });

  it.each([
    [{ gumbel: 1, param: 'iwp' as const }, /--gumbel works with --param softmax16/],
    [{ connect: 'topk:1' as const }, /topk:K with K in 2\.\.64/],
    [{ batch: 0 }, /--batch 0: must be a whole number in 1\.\.65536/],
    [{ threads: 0 }, /--threads 0: must be a whole number in 1\.\.64/],
    [{ connect: 'unique' as const, shrink: '2:4' }, /--shrink works with learnable connections/],
    [{ connect: 'topk:8' as const, shrink: '1:8' }, /--shrink "1:8": each E:K needs epochs ascending and K descending/],
    [{ connect: 'dense' as const, shrink: '2:8,1:4' }, /epochs ascending/],
    [{ connect: 'dense' as const, shrink: '2-8' }, /--shrink "2-8": give E:K pairs/],
  ])('%j is refused with the fix', (o, msg) => {
    expect(() => resolveConfig({ dataset: 'mnist', ...o }, 10, 'uniform:1')).toThrow(msg);
  });
});
