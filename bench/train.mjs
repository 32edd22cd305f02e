// bench/train: training throughput and accuracy of `lgnc train` (imports the built dist/).
//   1. gate-samples per second (forward + backward + update) for 6×8000 gates on MNIST at
//      batch 128 (softmax16, or BENCH_PARAM=iwp), with 1 and 2 threads, each in its own process so peak memory (RSS) is its own,
//      alternating over 3 rounds and keeping each thread count's best;
//   2. the default recipe (or BENCH_RECIPE=6x8000) under a time budget (BENCH_BUDGET seconds,
//      default 900): frozen MNIST test accuracy per epoch and the time it first reaches 97 %.
// Prints a table and writes bench/results/train.json. BENCH_QUICK=1 shortens everything.
// The techniques side by side are bench/ablation.mjs.
// `node bench/train.mjs big`: 6×8000 on MNIST for BENCH_BUDGET seconds (default 900): `unique`
// connections, tau 10, lr 0.01, batch 128 (difflogic's MNIST model), BENCH_PARAM iwp (default)
// or softmax16.

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const quick = process.env.BENCH_QUICK === '1';

async function throughput(threads, seconds) {
  const { createTrainer } = await import('../dist/train/index.js');
  const width = Number(process.env.BENCH_WIDTH ?? 8000);
  const t = await createTrainer({ dataset: 'mnist', width: new Array(6).fill(width), batch: 128, tau: 10, threads, seed: 1, param: process.env.BENCH_PARAM ?? 'softmax16', connect: 'unique' });
  try {
    t.runEpoch(0, undefined, performance.now() + 2000); // warm-up: JIT, page faults
    let peak = process.memoryUsage().rss;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = t.runEpoch(1, () => (peak = Math.max(peak, process.memoryUsage().rss)), t0 + seconds * 1000);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    // CPU seconds of all threads per 1 000 gate-samples·10^6: with spare cores, T threads
    // run T× faster exactly when this stays flat from 1 to T threads.
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    return {
      threads, gates: t.st.gates, batch: 128, samples: r.samples, seconds: secs, cpuSeconds,
      gateSamplesPerSecond: (t.st.gates * r.samples) / secs, gateSamplesPerCpuSecond: (t.st.gates * r.samples) / cpuSeconds,
      stepsPerSecond: r.samples / 128 / secs, peakRssMB: Math.round(peak / 2 ** 20),
    };
  } finally {
    await t.close();
  }
}

async function recipeRun(budget) {
  const { train, defaultRecipe } = await import('../dist/train/index.js');
  const big = process.env.BENCH_RECIPE === '6x8000';
  const o = big
    ? { dataset: 'mnist', width: new Array(6).fill(8000), tau: 10, batch: 128, lr: 0.01, epochs: 200, seed: 1, param: process.env.BENCH_PARAM ?? 'iwp', connect: 'unique' }
    : { ...defaultRecipe, width: [...defaultRecipe.width], epochs: 200 };
  let peak = process.memoryUsage().rss;
  // Wall-clock seconds since the call at each epoch's end: training plus loading the data
  // and the per-epoch evaluation (soft accuracy, freezing, the reference evaluator).
  const t0 = performance.now();
  const wall = [];
  const r = await train({ ...o, timeBudget: budget }, (e) => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (e.kind !== 'epoch') return;
    wall.push((performance.now() - t0) / 1000);
    process.stderr.write(`  epoch ${e.record.epoch}: frozen ${(100 * e.record.frozenTestAccuracy).toFixed(2)}% soft ${(100 * e.record.softTestAccuracy).toFixed(2)}% at ${e.record.seconds.toFixed(0)} s of training, ${wall[wall.length - 1].toFixed(0)} s wall\n`);
  });
  const hitAt = r.history.findIndex((h) => h.frozenTestAccuracy >= 0.97);
  const hit = hitAt < 0 ? undefined : r.history[hitAt];
  return {
    recipe: big ? '6x8000' : 'defaultRecipe', param: r.config.param, connect: r.config.connect, widths: r.config.widths, tau: r.config.tau, batch: r.config.batch, lr: r.config.lr,
    threads: r.config.threads, budgetSeconds: budget, epochs: r.history.length, trainSeconds: r.trainSeconds,
    frozenTestAccuracy: r.frozenTestAccuracy, softTestAccuracy: r.softTestAccuracy, secondsTo97: hit ? hit.seconds : null, wallSecondsTo97: hit ? +wall[hitAt].toFixed(1) : null,
    bestFrozen: Math.max(...r.history.map((h) => h.frozenTestAccuracy)), peakRssMB: Math.round(peak / 2 ** 20),
    history: r.history.map((h, i) => ({ epoch: h.epoch, seconds: +h.seconds.toFixed(1), wallSeconds: +wall[i].toFixed(1), loss: +h.loss.toFixed(4), soft: h.softTestAccuracy, frozen: h.frozenTestAccuracy })),
  };
}

const RESULTS = new URL('./results/train.json', import.meta.url);

/** bench/results/train.json as last written ({} when missing): modes add their own keys. */
function readResults() {
  try {
    return JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    return {};
  }
}

function writeResults(results) {
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify(results, null, 2) + '\n');
}

const mode = process.argv[2];
if (mode === 'throughput') {
  process.stdout.write(JSON.stringify(await throughput(Number(process.argv[3]), Number(process.argv[4]))) + '\n');
} else if (mode === 'big') {
  // 6×8000 (the issue's model) under BENCH_BUDGET seconds (default 900), merged into
  // bench/results/train.json under "big".
  process.env.BENCH_RECIPE = '6x8000';
  const acc = await recipeRun(Number(process.env.BENCH_BUDGET ?? 900));
  const prev = readResults();
  writeResults({ ...prev, big: { date: new Date().toISOString(), ...acc } });
  console.log(`6x8000, ${acc.threads} threads, budget ${acc.budgetSeconds} s: ${acc.epochs} epochs, frozen ${(100 * acc.frozenTestAccuracy).toFixed(2)}% (best ${(100 * acc.bestFrozen).toFixed(2)}%), 97% ${acc.secondsTo97 === null ? 'not reached' : `at ${acc.secondsTo97.toFixed(0)} s`}, peak ${acc.peakRssMB} MB`);
} else if (mode === 'recipe') {
  process.stdout.write(JSON.stringify(await recipeRun(Number(process.argv[3]))) + '\n');
} else {
  const self = fileURLToPath(import.meta.url);
  const sub = (...args) => JSON.parse(execFileSync(process.execPath, [self, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop());
  // Alternate 1 and 2 threads over a few rounds and keep each one's best: on a machine
  // shared with other jobs, the best round is the closest to what the code can do.
  const seconds = quick ? 4 : 10;
  const rounds = quick ? 1 : 3;
  const all = [];
  for (let round = 0; round < rounds; round++) {
    for (const threads of [1, 2]) {
      process.stderr.write(`throughput, 6×${process.env.BENCH_WIDTH ?? 8000}, ${threads} thread(s), round ${round + 1}/${rounds}…\n`);
      all.push(sub('throughput', String(threads), String(seconds)));
    }
  }
  const best = (t) => all.filter((r) => r.threads === t).reduce((a, b) => (b.gateSamplesPerSecond > a.gateSamplesPerSecond ? b : a));
  const rows = [best(1), best(2)];
  const budget = Number(process.env.BENCH_BUDGET ?? (quick ? 60 : 900));
  const prev = readResults();
  // BENCH_BUDGET=0: throughput only; the accuracy run of the previous results is kept.
  if (budget > 0) process.stderr.write(`accuracy: ${process.env.BENCH_RECIPE === '6x8000' ? '6×8000' : 'default recipe'} for up to ${budget} s…\n`);
  const acc = budget > 0 ? sub('recipe', String(budget)) : prev.accuracy;
  const speedup = rows[1].gateSamplesPerSecond / rows[0].gateSamplesPerSecond;
  // Work efficiency: gate-samples per CPU-second with 2 threads over 1 (robust to other jobs
  // taking turns on the cores); 2 × this bounds the speed-up on two idle cores.
  const bestCpu = (t) => Math.max(...all.filter((r) => r.threads === t).map((r) => r.gateSamplesPerCpuSecond));
  const cpuEfficiency = bestCpu(2) / bestCpu(1);
  console.log('threads  gate-samples/s  steps/s  peak RSS');
  for (const r of rows) console.log(`${String(r.threads).padStart(7)}  ${(r.gateSamplesPerSecond / 1e6).toFixed(1).padStart(12)} M  ${r.stepsPerSecond.toFixed(2).padStart(7)}  ${String(r.peakRssMB).padStart(5)} MB`);
  console.log(`speed-up 1 → 2 threads: ${speedup.toFixed(2)}× wall; CPU work per gate-sample with 2 threads vs 1: ${(1 / cpuEfficiency).toFixed(2)}× (→ at most ${(2 * cpuEfficiency).toFixed(2)}× on two idle cores)`);
  console.log(`${acc.recipe} (${acc.widths.join(',')}), ${acc.threads} threads, budget ${acc.budgetSeconds} s: ${acc.epochs} epochs in ${acc.trainSeconds.toFixed(0)} s, frozen test ${(100 * acc.frozenTestAccuracy).toFixed(2)}% (best ${(100 * acc.bestFrozen).toFixed(2)}%), soft ${(100 * acc.softTestAccuracy).toFixed(2)}%, 97% ${acc.secondsTo97 === null ? 'not reached' : `at ${acc.secondsTo97.toFixed(0)} s`}`);
  writeResults({
    ...prev,
    date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model, quick,
    note: 'machine shared with other jobs while measured: compare the 1- and 2-thread rows of one run, not absolute numbers across runs',
    throughput: rows, rounds: all, speedup, cpuEfficiency, accuracy: acc,
  });
}
