// bench/popcount-forms: one class's Group-Sum (an 80-bit popcount, the default MNIST model's
// block) in several hardware forms, each synthesized alone on the real flow (Yosys 0.55
// synth_ice40, then nextpnr-ice40 --pack-only for the logic cells, HX8K):
//   - gates: columns of full adders (earliest bits first, as the popcount pass builds them);
//   - chain+cin F: F full adders in LUTs make 2-bit numbers, then a tree of two-operand adds
//     kept on the carry chain (one module each, keep_hierarchy) whose carry-in is a data bit:
//     a k-bit add then removes k bits, not k - 1;
//   - chain: the same tree with every leftover bit as an operand and no carry-in.
// Prints LUT4, CARRY and logic cells and writes bench/results/popcount-forms.json. Seconds.
// Run: npm run bench:popcount

import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { runYosys } from '@yowasp/yosys';
import { runNextpnrIce40 } from '@yowasp/nextpnr-ice40';

const N = 80, W = 7;

function fullAdder(lines, a, b, c, id) {
  lines.push(`  wire s${id} = ${a} ^ ${b} ^ ${c};`, `  wire c${id} = (${a} & ${b}) | (${c} & (${a} ^ ${b}));`);
  return [`s${id}`, `c${id}`];
}

function gates() {
  const lines = [];
  let id = 0;
  const cols = [Array.from({ length: N }, (_, i) => `x[${i}]`)];
  const out = [];
  for (let j = 0; j < W; j++) {
    const col = cols[j] ?? [];
    cols[j + 1] = cols[j + 1] ?? [];
    while (col.length >= 3) { const [s, c] = fullAdder(lines, col.shift(), col.shift(), col.shift(), id++); col.push(s); cols[j + 1].push(c); }
    if (col.length === 2) { const a = col.shift(), b = col.shift(); lines.push(`  wire s${id} = ${a} ^ ${b};`, `  wire c${id} = ${a} & ${b};`); col.push(`s${id}`); cols[j + 1].push(`c${id}`); id++; }
    out.push(col[0] ?? "1'b0");
  }
  return `module pc(input [${N - 1}:0] x, output [${W - 1}:0] y);\n${lines.join('\n')}\n  assign y = {${out.reverse().join(', ')}};\nendmodule\n`;
}

/** F full adders, then two-operand adds on the carry chain (with a data carry-in when cin). */
function chainTree(F, cin) {
  const lines = [], mods = new Map();
  let id = 0;
  const singles = Array.from({ length: N }, (_, i) => `x[${i}]`);
  const nums = [];
  for (let k = 0; k < F; k++) {
    const [s, c] = fullAdder(lines, singles.shift(), singles.shift(), singles.shift(), id++);
    nums.push({ name: `{${c}, ${s}}`, width: 2 });
  }
  // With carry-ins, keep as many bits as the adds can take in (one per add); the rest are operands.
  for (const s of singles.splice(0, cin ? Math.max(0, singles.length - (nums.length - 1)) : singles.length)) nums.push({ name: s, width: 1 });
  while (nums.length > 1) {
    nums.sort((p, q) => p.width - q.width);
    const a = nums.shift(), b = nums.shift();
    const w = Math.max(a.width, b.width), ow = Math.min(w + 1, W);
    const ci = cin && singles.length ? singles.shift() : null;
    const m = `add${w}_${ow}${ci ? 'c' : ''}`;
    mods.set(m, `(* keep_hierarchy *) module ${m}(input [${w - 1}:0] a, input [${w - 1}:0] b${ci ? ', input ci' : ''}, output [${ow - 1}:0] s);\n  assign s = a + b${ci ? ' + ci' : ''};\nendmodule\n`);
    const n = `r${id++}`;
    lines.push(`  wire [${ow - 1}:0] ${n};`, `  ${m} u${n} (.a(${a.name}), .b(${b.name})${ci ? `, .ci(${ci})` : ''}, .s(${n}));`);
    nums.push({ name: n, width: ow });
  }
  if (singles.length) throw new Error(`chainTree(${F}): ${singles.length} bits left`);
  return `module pc(input [${N - 1}:0] x, output [${W - 1}:0] y);\n${lines.join('\n')}\n  assign y = ${nums[0].name};\nendmodule\n${[...mods.values()].join('')}`;
}

/** Yosys eval of the design on random vectors: y must be the popcount of x. */
async function check(name, verilog) {
  let log = '';
  const sink = (b) => { if (b) log += Buffer.from(b).toString('utf8'); };
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 1;
  const vectors = Array.from({ length: 24 }, (_, t) => Array.from({ length: N }, () => (t < 2 ? t : rand())));
  const evals = vectors.map((v) => `eval -set x ${N}'b${v.slice().reverse().join('')} -show y`).join('; ');
  await runYosys(['-p', `read_verilog pc.v; hierarchy -top pc; setattr -mod -unset keep_hierarchy; proc; flatten; ${evals}`], { 'pc.v': verilog }, { stdout: sink, stderr: sink });
  const got = [...log.matchAll(/Eval result: \\y = \d+'([01]+)/g)].map((m) => parseInt(m[1], 2));
  const want = vectors.map((v) => v.reduce((a, b) => a + b, 0));
  if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`${name}: not a popcount: got ${got.join(',')} want ${want.join(',')}`);
}

async function measure(name, verilog) {
  await check(name, verilog);
  let log = '';
  const sink = (b) => { if (b) log += Buffer.from(b).toString('utf8'); };
  const y = await runYosys(['-p', 'read_verilog pc.v; synth_ice40 -top pc; flatten; stat; write_json pc.json'], { 'pc.v': verilog }, { stdout: sink, stderr: sink });
  const count = (cell) => Number((log.match(new RegExp(`${cell}\\s+(\\d+)`, 'g')) ?? []).pop()?.split(/\s+/).pop() ?? 0);
  const t = await runNextpnrIce40(['--hx8k', '--package', 'ct256', '--json', 'pc.json', '--pack-only', '--report', 'r.json'], { 'pc.json': y['pc.json'] }, { stdout: () => {}, stderr: () => {} });
  const r = JSON.parse(Buffer.from(t['r.json']).toString('utf8'));
  return { form: name, lut4: count('SB_LUT4'), carry: count('SB_CARRY'), logicCells: r.utilization.ICESTORM_LC.used };
}

const forms = [['gates', gates()], ['chain (no carry-in)', chainTree(26, false)]];
for (const F of [16, 18, 20, 22, 24]) forms.push([`chain+cin ${F} FA`, chainTree(F, true)]);
const rows = [];
for (const [name, v] of forms) rows.push(await measure(name, v));
const base = rows[0].logicCells;
console.log(`80-bit popcount forms, HX8K, Yosys synth_ice40 + nextpnr --pack-only (load ${loadavg()[0].toFixed(1)})\n`);
console.log('form                    LUT4  CARRY  logic cells  vs gates');
for (const r of rows) console.log(`${r.form.padEnd(22)} ${String(r.lut4).padStart(5)}  ${String(r.carry).padStart(5)}  ${String(r.logicCells).padStart(11)}  ${(((r.logicCells - base) / base) * 100).toFixed(1).padStart(7)} %`);
mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/popcount-forms.json', JSON.stringify({ date: new Date().toISOString(), inputs: N, rows }, null, 2) + '\n');
