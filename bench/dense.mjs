// bench/dense: how fast `--connect dense` trains here, to check the claim that training all
// connections takes hours per epoch. (1) Each blocked SIMD kernel of dense.ts/wasm.ts alone,
// one thread, at the mnist-8k layer sizes (a 2000 × 2000 layer, a 2000 × 784 first layer,
// 128 samples a thread): multiply-adds per second. (2) Whole dense training steps of the
// mnist-8k model (784 → 4 × 2000 gates, batch 256) with 1 and 2 threads, each in its own
// process: samples/s, multiply-adds/s, the projected time of one epoch on 60,000 images, and
// CPU seconds per wall second (how much of the machine the run got). Prints a table and writes
// bench/results/dense.json. Run: npm run build && node bench/dense.mjs  (BENCH_SECONDS, default 30)

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const WIDTHS = [2000, 2000, 2000, 2000];
const INPUTS = 784;
/** Multiply-adds of one sample through the dense model: forward 2·P·W per layer, input gradient 2·P·W (not layer 0), weight gradient 2·P·W. */
function macsPerSample() {
  let f = 0, b = 0;
  WIDTHS.forEach((W, l) => {
    const P = l ? WIDTHS[l - 1] : INPUTS;
    f += 2 * P * W;
    b += (l ? 2 : 0) * P * W + 2 * P * W;
  });
  return { forward: f, backward: b, total: f + b };
}

async function kernels(seconds) {
  const { kernelModule, wasmKernels } = await import('../dist/train/wasm.js');
  const memory = new WebAssembly.Memory({ initial: 2000, maximum: 2000, shared: true });
  const k = wasmKernels(await kernelModule(), memory);
  let at = 16;
  const f32 = (n) => {
    const v = new Float32Array(memory.buffer, at, n);
    at += Math.ceil((4 * n) / 16) * 16;
    for (let i = 0; i < n; i++) v[i] = ((i * 2654435761) % 1000) / 1000;
    return v;
  };
  const rows = [];
  for (const [P, n] of [[2000, 2000], [INPUTS, 2000]]) {
    const B = 128;
    at = 16;
    const prev = f32(P * B), w = f32(n * P), x = f32(n * B), dx = f32(n * B), gin = f32(P * B), dw = f32(n * P);
    for (const [name, fn] of [
      ['mix (W·prev)', () => k.mixDense(prev, x, B, w, P, n)],
      ['input gradient (Wᵀ·dx)', () => k.backwardDenseInput(dx, gin, B, w, P, n)],
      ['weight gradient (dx·prevᵀ)', () => k.denseWeightGradient(dx, prev, B, P, n, dw)],
    ]) {
      fn();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let reps = 0;
      while (performance.now() - t0 < (seconds * 1000) / 6) {
        fn();
        reps++;
      }
      const s = (performance.now() - t0) / 1000;
      const c = process.cpuUsage(c0);
      const cpu = (c.user + c.system) / 1e6;
      rows.push({ kernel: name, P, W: n, B, macsPerSecond: (reps * B * P * n) / s, macsPerCpuSecond: (reps * B * P * n) / cpu, cpuPerWall: cpu / s });
    }
  }
  return rows;
}

async function steps(threads, seconds) {
  const { createTrainer } = await import('../dist/train/index.js');
  const t = await createTrainer({ dataset: 'mnist', width: WIDTHS, tau: 'auto', param: 'iwp', connect: 'dense', batch: 256, lr: 0.02, threads, seed: 1 });
  try {
    t.runEpoch(0, undefined, performance.now() + 3000); // warm-up
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const r = t.runEpoch(1, undefined, t0 + seconds * 1000);
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const m = macsPerSample().total;
    return {
      threads, samples: r.samples, seconds: secs, cpuPerWall: (cpu.user + cpu.system) / 1e6 / secs,
      samplesPerSecond: r.samples / secs, macsPerSecond: (m * r.samples) / secs, epochSeconds: (60000 * secs) / r.samples,
      // What an epoch costs in CPU time, and so takes in wall time on T otherwise idle cores.
      epochCpuSeconds: (60000 * (cpu.user + cpu.system)) / 1e6 / r.samples,
      peakRssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
    };
  } finally {
    await t.close();
  }
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === 'steps') {
  process.stdout.write(JSON.stringify(await steps(Number(process.argv[3]), Number(process.argv[4]))) + '\n');
} else {
  const seconds = Number(process.env.BENCH_SECONDS ?? 30);
  const load0 = loadavg();
  const k = await kernels(seconds);
  const s = [1, 2].map((T) => JSON.parse(execFileSync(process.execPath, [self, 'steps', String(T), String(seconds)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()));
  const m = macsPerSample();
  console.log(`dense model 784 → ${WIDTHS.join(', ')}: ${(m.total / 1e6).toFixed(1)} M multiply-adds per sample, ${(60000 * m.total / 1e12).toFixed(2)}·10^12 per epoch`);
  console.log('kernel (1 thread)              P      W     B   G multiply-adds/s  per CPU second  CPU/wall');
  for (const r of k) console.log(`${r.kernel.padEnd(28)} ${String(r.P).padStart(5)} ${String(r.W).padStart(6)} ${String(r.B).padStart(5)} ${(r.macsPerSecond / 1e9).toFixed(2).padStart(10)} ${(r.macsPerCpuSecond / 1e9).toFixed(2).padStart(15)} ${r.cpuPerWall.toFixed(2).padStart(9)}`);
  console.log('threads  samples/s  G multiply-adds/s  s/epoch  CPU s/epoch  CPU/wall  RSS MB');
  for (const r of s) console.log(`${String(r.threads).padStart(7)} ${r.samplesPerSecond.toFixed(0).padStart(10)} ${(r.macsPerSecond / 1e9).toFixed(2).padStart(18)} ${r.epochSeconds.toFixed(0).padStart(8)} ${r.epochCpuSeconds.toFixed(0).padStart(12)} ${r.cpuPerWall.toFixed(2).padStart(9)} ${String(r.peakRssMB).padStart(7)}`);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/dense.json', import.meta.url), JSON.stringify({
    date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), cpu: cpus()[0]?.model,
    loadAverageBefore: load0, loadAverageAfter: loadavg(), widths: WIDTHS, inputs: INPUTS, macsPerSample: m, kernels: k, steps: s,
  }, null, 2) + '\n');
}
