// bench/conv: a conv (v2) netlist of the LogicTreeNet MNIST architecture (torchlogix's
// ClgnMnist; k = 4 "tiny" and k = 16 "small", random leaves, ops and connections) through
// `lgnc check`, `lgnc flatten` and `lgnc compile`, as a user runs them (a fresh CLI process
// each, best of 3 wall and CPU time). Prints a table and writes bench/results/conv.json. Run: npm run bench:conv

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatNetlist, gateCount, storedGateCount } from '../dist/netlist/netlist.js';
import { randomClgnMnist } from '../dist/netlist/random.js';

const CLI = new URL('../dist/cli/index.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lgnc-bench-conv-'));
/** CPU seconds of the waited-for children (cutime + cstime of /proc/self/stat, 100 ticks/s): wall time is noisy on a shared machine. */
const childCpu = () => {
  const f = readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
};
const run = (args) => {
  let best = Infinity, cpu = Infinity, out = '';
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now(), c0 = childCpu();
    const r = spawnSync(process.execPath, [CLI, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    best = Math.min(best, (performance.now() - t0) / 1000);
    cpu = Math.min(cpu, childCpu() - c0);
    out = r.stdout;
  }
  return { seconds: +best.toFixed(2), cpu: +cpu.toFixed(2), json: JSON.parse(out) };
};
const rows = [];
for (const k of [4, 16]) {
  const net = randomClgnMnist({ seed: 1, k });
  const file = join(dir, `clgn-k${k}.json`);
  writeFileSync(file, formatNetlist(net));
  const check = run(['check', file]);
  const flat = run(['flatten', file, '-o', join(dir, `clgn-k${k}-flat.json`)]);
  const compile = run(['compile', file, '-o', join(dir, `build-k${k}`)]);
  const s = compile.json.stats;
  rows.push({
    k, storedGates: storedGateCount(net), unrolledGates: gateCount(net), fileMB: +(statSync(file).size / 1e6).toFixed(2),
    flatMB: +(statSync(join(dir, `clgn-k${k}-flat.json`)).size / 1e6).toFixed(2),
    checkSeconds: check.seconds, flattenSeconds: flat.seconds, compileSeconds: compile.seconds,
    checkCpu: check.cpu, flattenCpu: flat.cpu, compileCpu: compile.cpu,
    networkGates: s.networkGates, designGates: s.gates, lut4Estimate: s.lut4Estimate,
  });
}
rmSync(dir, { recursive: true, force: true });

const f = (n) => n.toLocaleString('en-US');
console.log('LogicTreeNet-MNIST-shaped random conv netlists (whole CLI process, best of 3: wall s / CPU s)\n');
console.log('k   stored    unrolled   file MB  flat MB  check        flatten      compile      network gates  design gates  LUT4 est.');
const ws = (w, c) => `${w.toFixed(2)} / ${c.toFixed(2)}`.padEnd(11);
for (const r of rows) {
  console.log(`${String(r.k).padEnd(3)} ${f(r.storedGates).padStart(7)}  ${f(r.unrolledGates).padStart(9)}  ${String(r.fileMB).padStart(7)}  ${String(r.flatMB).padStart(7)}  ${ws(r.checkSeconds, r.checkCpu)}  ${ws(r.flattenSeconds, r.flattenCpu)}  ${ws(r.compileSeconds, r.compileCpu)}  ${f(r.networkGates).padStart(13)}  ${f(r.designGates).padStart(12)}  ${f(r.lut4Estimate).padStart(9)}`);
}
const out = { bench: 'conv', date: new Date().toISOString(), machine: `${cpus().length}× ${cpus()[0]?.model}`, node: process.version, rows };
writeFileSync(new URL('./results/conv.json', import.meta.url), JSON.stringify(out, null, 2) + '\n');
