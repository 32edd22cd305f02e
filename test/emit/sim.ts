// A tiny Verilator testbench for the emitter's own tests (the real verification harness is
// `lgnc verify`, in src/flow/): builds the core with a C++ driver that reads input vectors
// (one 0/1 string per line), applies them — one per clock when pipelined — and prints
// "class score0 score1 ..." per vector. C++ at -O0: these designs are small, builds dominate.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BitSlices } from '../../src/netlist/evaluate.js';
import { getBit } from '../../src/netlist/evaluate.js';
import type { BuildManifest } from '../../src/emit/build.js';

export const HAS_VERILATOR = spawnSync('sh', ['-c', 'command -v verilator']).status === 0;

export function lint(file: string): { ok: boolean; log: string } {
  const r = spawnSync('verilator', ['--lint-only', '-Wall', file], { encoding: 'utf8' });
  return { ok: r.status === 0, log: r.stderr + r.stdout };
}

function setInput(n: number): string {
  if (n <= 64) return `{ uint64_t v = 0; for (int i = 0; i < ${n}; i++) if (line[i] == '1') v |= 1ULL << i; top->x = v; }`;
  return `{ for (int w = 0; w < ${Math.ceil(n / 32)}; w++) top->x[w] = 0; for (int i = 0; i < ${n}; i++) if (line[i] == '1') top->x[i >> 5] |= 1u << (i & 31); }`;
}

function readBits(sig: string, width: number, lo: string, w: number): string {
  if (width <= 64) return `(int)((((uint64_t)top->${sig}) >> (${lo})) & ((1ULL << ${w}) - 1))`;
  return `bits_of(top->${sig}, ${lo}, ${w})`;
}

/** Runs the build in dir on x; returns per vector [class, ...scores]. */
export function simulate(dir: string, m: BuildManifest, x: BitSlices): number[][] {
  const work = mkdtempSync(join(tmpdir(), 'lgnc-sim-'));
  const K = m.classes, W = m.scoreWidth;
  const pipelined = m.pipeline.every !== null;
  const lines: string[] = [];
  for (let s = 0; s < x.count; s++) {
    let l = '';
    for (let i = 0; i < x.rows; i++) l += getBit(x, i, s) ? '1' : '0';
    lines.push(l);
  }
  writeFileSync(join(work, 'in.txt'), lines.join('\n') + '\n');
  const print = `printf("%d", ${readBits('class_id', m.classWidth, '0', m.classWidth)}); for (int c = 0; c < ${K}; c++) printf(" %d", ${readBits('scores', K * W, `c * ${W}`, W)}); printf("\\n");`;
  const cpp = `#include "V${m.top}.h"
#include "verilated.h"
#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>
#include <iostream>
template <class T> static int bits_of(const T& v, int lo, int w) { int r = 0; for (int j = 0; j < w; j++) r |= ((v[(lo + j) >> 5] >> ((lo + j) & 31)) & 1) << j; return r; }
int main(int argc, char** argv) {
  Verilated::commandArgs(argc, argv);
  V${m.top}* top = new V${m.top};
  std::vector<std::string> in; std::string line;
  while (std::getline(std::cin, line)) if (!line.empty()) in.push_back(line);
  ${pipelined ? `
  int lat = ${m.pipeline.latency}; int n = in.size();
  top->clk = 0; top->in_valid = 0; top->eval();
  for (int t = 0; t < n + lat; t++) {
    if (t < n) { line = in[t]; ${setInput(m.inputs)} top->in_valid = 1; } else top->in_valid = 0;
    top->clk = 1; top->eval();
    if (t >= lat) { if (!top->out_valid) { printf("out_valid low at %d\\n", t); return 3; } ${print} }
    else if (top->out_valid) { printf("out_valid early at %d\\n", t); return 3; }
    top->clk = 0; top->eval();
  }` : `
  for (auto& l : in) { line = l; ${setInput(m.inputs)} top->eval(); ${print} }`}
  delete top; return 0;
}
`;
  writeFileSync(join(work, 'tb.cpp'), cpp);
  const build = spawnSync('verilator', ['--cc', '--exe', '--build', '-fno-dfg', '-O1', '-Wno-fatal', '-Mdir', join(work, 'obj'), '--top-module', m.top,
    join(dir, m.verilog), join(work, 'tb.cpp'), '-CFLAGS', '-O0'], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`verilator build failed:\n${build.stderr}`);
  const run = spawnSync(join(work, 'obj', `V${m.top}`), [], { input: readFileSync(join(work, 'in.txt')), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`simulation failed (${run.status}): ${run.stdout}${run.stderr}`);
  return run.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
}
