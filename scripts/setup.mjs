#!/usr/bin/env node
// Set-up run before `npm test` and `npm start` on any machine, fresh or not (Node builtins
// only, since it runs before dependencies exist): installs npm dependencies when missing,
// the Debian packages lgnc uses when missing (as root, via apt-get), then builds dist/.
// Each step is skipped when already done, so a second run takes a few seconds.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const log = (msg) => process.stderr.write(`[setup] ${msg}\n`);

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  if (r.status !== 0) {
    log(`failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

// 1. npm dependencies: `npm ci` when node_modules is missing or older than the lock file.
const lock = join(root, 'package-lock.json');
const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  log('installing npm dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}

// 2. Debian packages: [what proves it is installed, package, what needs it].
const APT = [
  [{ cmd: 'verilator' }, 'verilator', 'lgnc verify (simulation of the emitted Verilog)'],
  [{ cmd: 'g++' }, 'g++', 'lgnc verify (Verilator compiles its simulators with it)'],
  [{ cmd: 'make' }, 'make', 'lgnc verify (Verilator builds its simulators with it)'],
  [{ cmd: 'gcc' }, 'gcc', 'building lgnc compile --emit c output (its tests, npm run bench:infer)'],
  [{ path: '/usr/bin/chromium' }, 'chromium', 'the tests that render build/report.html and load lgnc compile --emit wasm output in a browser'],
  [{ path: '/usr/share/datasets/fashion-mnist' }, 'dataset-fashion-mnist', 'lgnc train --dataset fashion-mnist'],
];

const has = (probe) => (probe.cmd ? spawnSync('sh', ['-c', `command -v ${probe.cmd}`]).status === 0 : existsSync(probe.path));
const missing = APT.filter(([probe]) => !has(probe));
if (missing.length) {
  const pkgs = missing.map(([, pkg]) => pkg);
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync('sh', ['-c', 'command -v apt-get']).status === 0;
  if (isRoot && hasApt) {
    log(`installing Debian packages: ${pkgs.join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'update', '-qq'], { env });
    run('apt-get', ['-o', 'DPkg::Lock::Timeout=900', 'install', '-y', '-qq', '--no-install-recommends', ...pkgs], { env });
  } else {
    for (const [, pkg, why] of missing) log(`missing ${pkg} (for ${why}): install it with  sudo apt-get install ${pkg}`);
  }
}

// 3. Build: TypeScript to dist/.
log('building (tsc)');
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], { stdio: 'inherit' });
