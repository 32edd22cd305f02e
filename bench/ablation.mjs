// bench/ablation: the trainer's techniques side by side on MNIST, at the default recipe's
// model size (4 layers 1600, 1600, 1600, 800) and the same training time for every variant
// (BENCH_ABLATION_BUDGET seconds, default 100), each in its own process: frozen and soft test
// accuracy, the discretization gap, the unused-gate fraction of the frozen net, epochs done
// and seconds per epoch. Prints a table and writes bench/results/ablation.json.
// Run: npm run bench:ablation   (one variant: node bench/ablation.mjs one NAME SECONDS)
// BENCH_SET=schedules: the learnable-connectivity regime of the 8k presets instead (4 × 1000
// gates, iwp + topk:8, tau auto, batch 256, 1 thread each), every variant for the same 12
// epochs (accuracy per epoch does not depend on how loaded the machine is; time does), against
// lr, schedules, shrinking, augmentation and dense connectivity. Writes ablation-schedules.json.

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

/** BENCH_SET=schedules: each changes this base in the options given. */
const SCHEDULE_BASE = { dataset: 'mnist', width: [1000, 1000, 1000, 1000], param: 'iwp', connect: 'topk:8', tau: 'auto', batch: 256, lr: 0.02, epochs: 12, threads: 1, seed: 1 };
const SCHEDULES = {
  'topk:8, lr 0.02': {},
  'lr 0.05': { lr: 0.05 },
  'lr 0.1': { lr: 0.1 },
  'lr 0.02, cosine': { lrSchedule: 'cosine' },
  'cosine + connect-temp 0.1': { lrSchedule: 'cosine', connectTemp: 0.1 },
  'cosine + connect-temp 0.1 + shift 1': { lrSchedule: 'cosine', connectTemp: 0.1, shift: 1 },
  'shift 1': { shift: 1 },
  'lr 0.05 + shift 1': { lr: 0.05, shift: 1 },
  'shrink 10:1 (wiring fixed for the last 2 epochs)': { shrink: '10:1' },
  'dense, shrink 1:16,2:8': { connect: 'dense', shrink: '1:16,2:8' },
};
const set = process.env.BENCH_SET === 'schedules' ? SCHEDULES : VARIANTS;

async function one(name, budget) {
  const { train, defaultRecipe } = await import('../dist/train/index.js');
  const o = set === SCHEDULES
    ? { ...SCHEDULE_BASE, ...SCHEDULES[name] }
    : { ...defaultRecipe, width: [...defaultRecipe.width], epochs: 1000, timeBudget: budget, ...VARIANTS[name] };
  const r = await train(o);
  const full = r.history.filter((h) => !h.partial);
  return {
    name, options: set[name], budgetSeconds: set === SCHEDULES ? null : budget, epochs: r.history.length,
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
  const names = process.env.BENCH_VARIANTS ? process.env.BENCH_VARIANTS.split(',') : Object.keys(set);
  const rows = [];
  for (const name of names) {
    process.stderr.write(set === SCHEDULES ? `ablation: ${name}, 12 epochs…\n` : `ablation: ${name}, ${budget} s of training…\n`);
    const out = execFileSync(process.execPath, [self, 'one', name, String(budget)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    rows.push(JSON.parse(out.trim().split('\n').pop()));
  }
  const pct = (x) => `${(100 * x).toFixed(2)}%`;
  console.log('variant              epochs  s/epoch   frozen     soft    gap  unused gates');
  for (const r of rows) {
    console.log(`${r.name.padEnd(20)} ${String(r.epochs).padStart(6)}  ${(r.secondsPerEpoch ?? 0).toFixed(1).padStart(7)}  ${pct(r.frozenTestAccuracy).padStart(7)}  ${pct(r.softTestAccuracy).padStart(7)}  ${(100 * r.discretizationGap).toFixed(2).padStart(5)}  ${(100 * r.unusedGateFraction).toFixed(1).padStart(11)}%`);
  }
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL(set === SCHEDULES ? './results/ablation-schedules.json' : './results/ablation.json', import.meta.url), JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model,
    loadAverageAfter: loadavg(), budgetSeconds: budget, rows,
  }, null, 2) + '\n');
}
