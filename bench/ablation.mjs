// bench/ablation: the trainer's techniques side by side on MNIST, at the default recipe's
// model size (4 layers 1600, 1600, 1600, 800) and the same training time for every variant
// (BENCH_ABLATION_BUDGET seconds, default 100), each in its own process: frozen and soft test
// accuracy, the discretization gap, the unused-gate fraction of the frozen net, epochs done
// and seconds per epoch. Prints a table and writes bench/results/ablation.json.
// Run: npm run bench:ablation   (one variant: node bench/ablation.mjs one NAME SECONDS)

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

/** Each variant changes the default recipe (iwp, topk:4, tau 3, lr 0.02, batch 64) in these options only. */
const VARIANTS = {
  softmax16: { param: 'softmax16', connect: 'unique' },
  iwp: { param: 'iwp', connect: 'unique' },
  'softmax16+gumbel': { param: 'softmax16', connect: 'unique', gumbel: 1, tau: 10, lr: 0.05 },
  'softmax16+residual': { param: 'softmax16', connect: 'unique', init: 'residual' },
  'iwp+residual': { param: 'iwp', connect: 'unique', init: 'residual' },
  'softmax16+topk:4': { param: 'softmax16', connect: 'topk:4' },
  'iwp+topk:4': { param: 'iwp', connect: 'topk:4' },
  'iwp+topk:8': { param: 'iwp', connect: 'topk:8' },
  'iwp+topk:16': { param: 'iwp', connect: 'topk:16' },
};

async function one(name, budget) {
  const { train, defaultRecipe } = await import('../dist/train/index.js');
  const o = { ...defaultRecipe, width: [...defaultRecipe.width], epochs: 1000, timeBudget: budget, ...VARIANTS[name] };
  const r = await train(o);
  const full = r.history.filter((h) => !h.partial);
  return {
    name, options: VARIANTS[name], budgetSeconds: budget, epochs: r.history.length,
    frozenTestAccuracy: r.frozenTestAccuracy, softTestAccuracy: r.softTestAccuracy,
    discretizationGap: r.discretizationGap, unusedGateFraction: r.gateUsage.unusedFraction,
    secondsPerEpoch: full.length ? full[full.length - 1].seconds / full.length : null,
    history: r.history.map((h) => ({ epoch: h.epoch, seconds: +h.seconds.toFixed(1), soft: h.softTestAccuracy, frozen: h.frozenTestAccuracy })),
  };
}

if (process.argv[2] === 'one') {
  process.stdout.write(JSON.stringify(await one(process.argv[3], Number(process.argv[4]))) + '\n');
} else {
  const self = fileURLToPath(import.meta.url);
  const budget = Number(process.env.BENCH_ABLATION_BUDGET ?? 100);
  const names = process.env.BENCH_VARIANTS ? process.env.BENCH_VARIANTS.split(',') : Object.keys(VARIANTS);
  const rows = [];
  for (const name of names) {
    process.stderr.write(`ablation: ${name}, ${budget} s of training…\n`);
    const out = execFileSync(process.execPath, [self, 'one', name, String(budget)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    rows.push(JSON.parse(out.trim().split('\n').pop()));
  }
  const pct = (x) => `${(100 * x).toFixed(2)}%`;
  console.log('variant              epochs  s/epoch   frozen     soft    gap  unused gates');
  for (const r of rows) {
    console.log(`${r.name.padEnd(20)} ${String(r.epochs).padStart(6)}  ${(r.secondsPerEpoch ?? 0).toFixed(1).padStart(7)}  ${pct(r.frozenTestAccuracy).padStart(7)}  ${pct(r.softTestAccuracy).padStart(7)}  ${(100 * r.discretizationGap).toFixed(2).padStart(5)}  ${(100 * r.unusedGateFraction).toFixed(1).padStart(11)}%`);
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/ablation.json', import.meta.url), JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model,
    loadAverageAfter: loadavg(), budgetSeconds: budget, rows,
  }, null, 2) + '\n');
}
