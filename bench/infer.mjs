// `npm run bench:infer`: software inference side by side on MNIST-sized trained models
// (4×2000 and 6×8000 gates): the reference evaluator, the WebAssembly SIMD backend (in
// process, and `lgnc eval` by its evalMs), the emitted C (gcc -O2, 64-bit lanes and the
// default 128-bit vectors), and a difflogic-style C baseline (bench/difflogic-c.mjs), with
// code-generation and compile times. Every backend's classes and scores are checked against
// the reference evaluator on every vector. One core, then all cores (WASM: worker threads;
// C: one process per core, rates summed). Prints a table, writes bench/results/infer.json.
//
//   npm run bench:infer                       trains the two models (cached) and runs
//   BENCH_MODELS=a.json,b.json npm run bench:infer     your own models instead
//   BENCH_SECONDS=2  timing budget per measurement (best round kept)

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode, loadDataset } from '../dist/data/index.js';
import { emitC } from '../dist/emit/c.js';
import { emitWasm } from '../dist/emit/wasm.js';
import { WasmInference } from '../dist/emit/wasm-runtime.js';
import { buildHarness, cCompiler } from '../dist/flow/cc.js';
import { irFromNetlist } from '../dist/ir/from-netlist.js';
import { optimize } from '../dist/ir/passes/index.js';
import { evaluateNetlist } from '../dist/netlist/evaluate.js';
import { gateCount, loadNetlist } from '../dist/netlist/netlist.js';
import { formatBinaryVectors } from '../dist/netlist/vectors.js';
import { difflogicC } from './difflogic-c.mjs';

const ROOT = new URL('..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/cli/index.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CORES = availableParallelism();
const work = join(process.env.LGNC_CACHE_DIR ?? join(tmpdir(), 'lgnc-cache'), 'bench-infer');
mkdirSync(work, { recursive: true });
const say = (s) => process.stderr.write(`${s}\n`);

try {
  cCompiler();
} catch (e) {
  process.stderr.write(`bench:infer: ${e.message}\n`);
  process.exit(2);
}

/** The two MNIST-sized models, trained here once (a few epochs; cached). */
const RECIPES = [
  { name: 'mnist-4x2000', args: ['--layers', '4', '--width', '2000', '--tau', 'auto', '--epochs', '3'] },
  { name: 'mnist-6x8000', args: ['--layers', '6', '--width', '8000', '--tau', '10', '--epochs', '2'] },
];
function models() {
  if (process.env.BENCH_MODELS) return process.env.BENCH_MODELS.split(',');
  return RECIPES.map((r) => {
    const path = join(work, `${r.name}.json`);
    if (!existsSync(path)) {
      say(`training ${r.name} (cached in ${work})`);
      execFileSync(process.execPath, [CLI, 'train', '--dataset', 'mnist', '--param', 'iwp', '--connect', 'unique', '--batch', '128', '--lr', '0.01', ...r.args, '--name', r.name, '-o', path], { stdio: ['ignore', 'ignore', 'inherit'] });
    }
    return path;
  });
}

const best = (fn, seconds = SECONDS) => {
  let bestMs = Infinity;
  const t0 = performance.now();
  for (let r = 0; r < 3 || performance.now() - t0 < seconds * 1000; r++) {
    const t = performance.now();
    fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return bestMs;
};

function sameAsReference(got, want, n, what) {
  const K = want.classes;
  for (let s = 0; s < n; s++) if (got.classes[s] !== want.predictions[s]) throw new Error(`${what}: class of vector ${s} differs from the reference`);
  if (got.scores) for (let i = 0; i < n * K; i++) if (got.scores[i] !== want.scores[i]) throw new Error(`${what}: score ${i % K} of vector ${Math.floor(i / K)} differs`);
  return true;
}

/** Runs `procs` copies of a harness at once; returns the summed classify and scores rates. */
async function harnessRates(exe, vin, procs) {
  const runs = Array.from({ length: procs }, (_, i) => new Promise((resolve, reject) => {
    const p = spawn(exe, [vin, join(work, `out-${i}.bin`), String(SECONDS)]);
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${exe} exited ${code}`))));
  }));
  const rs = await Promise.all(runs);
  return { classify: rs.reduce((s, r) => s + r.classifyPerSecond, 0), scores: rs.reduce((s, r) => s + r.scoresPerSecond, 0) };
}

function readOut(path, n, K) {
  const b = readFileSync(path);
  const u16 = new Uint16Array(b.buffer, b.byteOffset, b.length / 2);
  return { classes: u16.subarray(0, n), scores: u16.subarray(n, n + n * K) };
}

function renderTable(results) {
  const M = (v) => `${(v / 1e6).toFixed(2)} M`;
  const lines = [];
  lines.push(`machine: ${results.machine}; ${results.date}; best of >= 3 rounds in ${SECONDS} s; classes and scores equal the reference on every vector\n`);
  lines.push('| model | backend | samples/s, 1 core | samples/s, all cores | vs baseline (1 core) | code generation | compile |');
  lines.push('|---|---|---:|---:|---:|---:|---:|');
  for (const r of results.models) {
    const b = r.baseline.classifyPerSecond;
    const x = (v) => `${(v / b).toFixed(2)}×`;
    lines.push(`| ${r.model} (${r.gates.toLocaleString('en-US')} gates → ${r.irGates.toLocaleString('en-US')}) | reference evaluator (scores) | ${M(r.reference.perSecond)} | — | ${x(r.reference.perSecond)} | — | — |`);
    lines.push(`|  | difflogic-style C baseline (classify) | ${M(b)} | ${M(r.baseline.classifyPerSecondAllCores)} | 1.00× | ${r.baseline.emitMs.toFixed(0)} ms | gcc ${r.baseline.gccSeconds.toFixed(1)} s |`);
    lines.push(`|  | lgnc C, 64-bit lanes (classify) | ${M(r.c64.classifyPerSecond)} | ${M(r.c64.classifyPerSecondAllCores)} | **${x(r.c64.classifyPerSecond)}** | ${r.c64.emitMs.toFixed(0)} ms | gcc ${r.c64.gccSeconds.toFixed(1)} s |`);
    lines.push(`|  | lgnc C, default 128-bit vectors (classify / scores) | ${M(r.c.classifyPerSecond)} / ${M(r.c.perSecond)} | ${M(r.c.classifyPerSecondAllCores)} | **${x(r.c.classifyPerSecond)}** | ${r.c.emitMs.toFixed(0)} ms | gcc ${r.c.gccSeconds.toFixed(1)} s |`);
    lines.push(`|  | WebAssembly in process (classify / scores) | ${M(r.wasm.classifyPerSecond)} / ${M(r.wasm.perSecond)} | ${M(r.wasm.classifyPerSecondAllCores)} | ${x(r.wasm.classifyPerSecond)} | ${r.wasm.codegenMs.toFixed(0)} ms (first ${r.wasm.codegenMsFirst.toFixed(0)}) | ${r.wasm.compileMsOptimizing.toFixed(0)} ms optimizing, ${r.wasm.compileMsBaseline.toFixed(0)} ms baseline |`);
    lines.push(`|  | \`lgnc eval\` by evalMs (scores) | ${M(r.lgncEval.perSecond)} | — | **${x(r.lgncEval.perSecond)}** | ${r.lgncEval.codegenMs} ms | ${r.lgncEval.compileMs} ms |`);
  }
  return lines.join('\n') + '\n';
}

const results = { machine: `${cpus()[0]?.model ?? 'unknown CPU'}, ${CORES} cores, Node ${process.version}, ${spawnSync(cCompiler(), ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]}`, date: new Date().toISOString().slice(0, 10), seconds: SECONDS, models: [] };
const mnist = loadDataset('mnist');

for (const path of models()) {
  const net = loadNetlist(path);
  const name = net.name;
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  say(`\n${name}: ${gateCount(net).toLocaleString('en-US')} gates`);
  const x = encode(net.encoding, mnist.train.x, mnist.train.count);
  const n = x.count, K = net.output.classes;
  const vin = join(dir, 'vectors.bin');
  const packedBytes = formatBinaryVectors(x);
  writeFileSync(vin, packedBytes);
  const packed = { packed: packedBytes, count: n };
  const row = { model: name, gates: gateCount(net), vectors: n };

  // Reference evaluator (bit slices in, as it takes them; its own transposition not counted).
  say('  reference evaluator');
  let want;
  const refMs = best(() => { want = evaluateNetlist(net, x); }, 0);
  row.reference = { perSecond: n / (refMs / 1000) };

  // Optimized IR, then WebAssembly: code generation, both compile tiers, one core, all cores.
  say('  WebAssembly');
  const t0 = performance.now();
  const ir = optimize(irFromNetlist(net)).ir;
  row.optimizeMs = performance.now() - t0;
  row.irGates = ir.gates;
  const codegenFirst = performance.now();
  emitWasm(ir);
  const codegenFirstMs = performance.now() - codegenFirst;
  const codegenMs = best(() => emitWasm(ir), 0);
  const eager = new WasmInference(ir, { optimizeNow: true });
  const lazy = new WasmInference(ir);
  let got;
  const wasm1 = best(() => { got = eager.evaluate(packed); });
  sameAsReference({ classes: got.predictions, scores: got.scores }, want, n, 'wasm');
  const wasm1c = best(() => eager.evaluate(packed, { scores: false }));
  await eager.evaluateParallel(packed, { threads: CORES, minPerThread: 1024 }); // start the workers
  let wasmAllMs = Infinity;
  for (let r = 0; r < 5; r++) {
    const t = performance.now();
    got = await eager.evaluateParallel(packed, { threads: CORES, minPerThread: 1024, scores: false });
    wasmAllMs = Math.min(wasmAllMs, performance.now() - t);
  }
  sameAsReference({ classes: got.predictions }, want, n, 'wasm threads');
  await eager.close();
  row.wasm = {
    codegenMsFirst: codegenFirstMs, codegenMs, compileMsOptimizing: eager.compileMs, compileMsBaseline: lazy.compileMs,
    perSecond: n / (wasm1 / 1000), classifyPerSecond: n / (wasm1c / 1000), classifyPerSecondAllCores: n / (wasmAllMs / 1000),
  };

  // `lgnc eval` (a fresh process, as a user runs it): rate by its evalMs.
  say('  lgnc eval');
  let evalBest = null;
  for (let r = 0; r < 3; r++) {
    const out = JSON.parse(execFileSync(process.execPath, [CLI, 'eval', path, '--vectors', vin, '--json', '--threads', '1'], { maxBuffer: 1 << 28 }).toString());
    if (r === 0) sameAsReference({ classes: out.predictions, scores: out.scores.flat() }, want, n, 'lgnc eval');
    if (!evalBest || out.evalMs < evalBest.evalMs) evalBest = { evalMs: out.evalMs, codegenMs: out.codegenMs, compileMs: out.compileMs, prepareMs: out.prepareMs };
  }
  row.lgncEval = { ...evalBest, perSecond: n / (Math.max(1, evalBest.evalMs) / 1000) };

  // C: the emitted code (64-bit lanes, default vectors) and the difflogic-style baseline.
  const builds = [['c64', 'net', ['-DLGNC_VECTOR_BYTES=8']], ['c', 'net', []], ['baseline', 'base', []]];
  let t = performance.now();
  const ec = emitC(ir, { top: 'net', encoding: net.encoding });
  const cEmitMs = performance.now() - t;
  writeFileSync(join(dir, 'net.c'), ec.c);
  writeFileSync(join(dir, 'net.h'), ec.h);
  t = performance.now();
  const bc = difflogicC(net, 'base');
  const baseEmitMs = performance.now() - t;
  writeFileSync(join(dir, 'base.c'), bc.c);
  writeFileSync(join(dir, 'base.h'), bc.h);
  for (const [key, top, flags] of builds) {
    say(`  ${key}: gcc -O2`);
    const exe = join(dir, `run-${key}`);
    const gccSeconds = buildHarness(dir, top, exe, flags);
    const one = await harnessRates(exe, vin, 1);
    sameAsReference(readOut(join(work, 'out-0.bin'), n, K), want, n, key);
    const all = CORES > 1 ? await harnessRates(exe, vin, CORES) : one;
    row[key] = { emitMs: top === 'net' ? cEmitMs : baseEmitMs, gccSeconds, classifyPerSecond: one.classify, perSecond: one.scores, classifyPerSecondAllCores: all.classify };
  }
  row.exactOnEveryVector = true;
  results.models.push(row);
  say(renderTable({ ...results, models: [row] }));
}

const text = renderTable(results);
process.stdout.write(text);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/infer.json'), JSON.stringify(results, null, 2) + '\n');
say('wrote bench/results/infer.json');
