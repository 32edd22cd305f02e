// Turns a flow result (and the netlist, whose meta carries the training history) into the
// numbers and charts of build/report.html.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OP_NAMES } from '../netlist/gates.js';
import { layerGateCounts, type AnyNetlist } from '../netlist/netlist.js';
import { opHistogram } from '../netlist/summary.js';
import type { FlowResult } from './run-flow.js';
import type { ReportData, Series } from './report.js';

interface HistoryRecord {
  epoch: number;
  loss: number;
  softTestAccuracy: number;
  frozenTestAccuracy: number;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const int = (x: number) => x.toLocaleString('en-US');


/** Ops of the optimized network region, read from the build's IR file. */
function optimizedOps(buildDir: string, irFile: string): number[] {
  const ir = JSON.parse(readFileSync(join(buildDir, irFile), 'utf8')) as { op: number[]; region: number[] };
  const h = new Array<number>(16).fill(0);
  ir.op.forEach((op, g) => {
    if (ir.region[g] === 0) h[op]++;
  });
  return h;
}

export function flowReportData(r: FlowResult, net: AnyNetlist, buildDir: string): ReportData {
  const m = r.manifest;
  const s = r.synth;
  const history = (Array.isArray(net.meta?.history) ? net.meta!.history : []) as HistoryRecord[];
  const cards: ReportData['cards'] = [];
  if (typeof net.meta?.softTestAccuracy === 'number') cards.push(['test accuracy (float model)', pct(net.meta.softTestAccuracy), `${net.meta.dataset}`]);
  if (r.dataset) {
    cards.push(['test accuracy (frozen, software)', pct(r.dataset.softwareAccuracy), `${int(r.dataset.samples)} test samples`]);
    cards.push(['test accuracy (hardware, Verilator)', pct(r.dataset.hardwareAccuracy), r.dataset.hardwareAccuracy === r.dataset.softwareAccuracy ? 'identical to software' : 'DIFFERS from software']);
  }
  cards.push(['gates', `${int(m.stats.netlistGates)} → ${int(m.stats.networkGates)}`, 'network, before → after optimization']);
  if (s) {
    const lc = s.resources.logicCells;
    cards.push(['logic cells', `${int(lc.used)} / ${int(lc.available)}`, `${s.device.name}, ${((100 * lc.used) / lc.available).toFixed(1)}% used`]);
    cards.push(['Fmax', s.timing.achievedMHz !== null ? `${s.timing.achievedMHz.toFixed(1)} MHz` : 'n/a', `requested ${s.timing.requestedMHz} MHz`]);
    cards.push(['latency', `${s.throughput.latencyCycles} cycles`, `a new input every ${s.throughput.initiationInterval} cycles`]);
    if (s.throughput.inferencesPerSecond !== null) cards.push(['inferences / s', int(Math.round(s.throughput.inferencesPerSecond)), `at Fmax`]);
  }

  const data: ReportData = {
    title: `lgnc report — ${net.name}`,
    subtitle: [
      typeof net.meta?.dataset === 'string' ? `trained on ${net.meta.dataset}` : 'netlist',
      `${net.layers.length} layers, ${int(m.stats.netlistGates)} gates${m.stats.netlistStoredGates !== undefined && m.stats.netlistStoredGates !== m.stats.netlistGates ? ` (${int(m.stats.netlistStoredGates)} stored)` : ''}, ${m.classes} classes`,
      s ? `synthesized for iCE40 ${s.device.name.toUpperCase()} (${s.device.package})` : 'not synthesized',
    ].join(' · '),
    cards,
    footer: `lgnc ${m.lgncVersion} · model sha256 ${m.modelSha256.slice(0, 16)}… · build ${buildDir}`,
  };
  if (history.length) {
    data.training = {
      loss: [{ name: 'training loss', values: history.map((h) => h.loss) }],
      accuracy: [
        { name: 'soft (float model)', values: history.map((h) => h.softTestAccuracy) },
        { name: 'frozen (gates)', values: history.map((h) => h.frozenTestAccuracy) },
      ],
    };
  }
  data.ops = { names: [...OP_NAMES], series: [{ name: 'netlist', values: opHistogram(net) }, { name: 'after optimization', values: optimizedOps(buildDir, m.ir) }] };
  data.layers = [{ name: 'gates', values: layerGateCounts(net) }] as Series[];
  if (s) {
    // Logic cells by region, as counted on the placed design when the synthesis kept the
    // regions apart; otherwise (a flattened or pipelined core) the core's cells split in
    // proportion to the compiler's gates per region, and the page says so.
    const used = s.resources.logicCells.used;
    let parts: { name: string; cells: number }[];
    const shellName = s.shell.kind === 'none' ? 'registers/other' : `${s.shell.kind} shell & registers`;
    if (s.regions) {
      const g = s.regions.logicCells;
      parts = [
        { name: 'network', cells: g.network }, { name: 'popcount', cells: g.popcount }, { name: 'argmax', cells: g.argmax },
        { name: shellName, cells: g.shell },
      ];
    } else {
      const byRegion = m.stats.gatesByRegion;
      const coreGates = byRegion.network + byRegion.popcount + byRegion.argmax;
      const coreCells = Math.min(used, s.lut4Estimate.yosys || used);
      const part = (gates: number) => Math.round((coreCells * gates) / Math.max(coreGates, 1));
      parts = [
        { name: 'network (est.)', cells: part(byRegion.network) },
        { name: 'popcount (est.)', cells: part(byRegion.popcount) },
        { name: 'argmax (est.)', cells: part(byRegion.argmax) },
      ];
      parts.push({ name: shellName, cells: Math.max(0, used - parts.reduce((a, p) => a + p.cells, 0)) });
    }
    data.resources = { device: `iCE40 ${s.device.name.toUpperCase()}`, available: s.resources.logicCells.available, parts };
    data.tables = [
      {
        title: 'Resources',
        header: ['resource', 'used', 'available'],
        rows: (['logicCells', 'lut4', 'dff', 'carry', 'io', 'bram'] as const).map((k) => [k, s.resources[k].used, s.resources[k].available]),
      },
      ...(s.regions ? [{
        title: `Logic cells by region (placed design; arithmetic: ${s.regions.arith})`,
        header: ['region', 'logic cells', 'LUT4', 'CARRY'],
        rows: (['network', 'popcount', 'argmax'] as const).map((k) => [k, s.regions!.logicCells[k], s.regions!.yosys[k].lut4, s.regions!.yosys[k].carry] as (string | number)[])
          .concat([[shellName, s.regions.logicCells.shell, '', '']]),
      }] : []),
      { title: 'Tool steps', header: ['step', 'seconds'], rows: s.steps.map((st) => [st.step, +(st.ms / 1000).toFixed(2)]) },
    ];
  }
  data.tables = [
    ...(data.tables ?? []),
    { title: 'Optimization passes', header: ['phase', 'pass', 'runs', 'removed', 'added', 'gates after'], rows: m.stats.passes.map((p) => [p.phase, p.pass, p.runs, p.removed, p.added, p.after]) },
    { title: 'Verification', header: ['vectors', 'design', 'mismatches', 'vectors/s'], rows: r.verify.flatMap((v) => v.checks.map((c) => [`${int(v.vectors.count)} (${v.vectors.source})`, c.design, c.mismatches, Math.round(c.vectorsPerSecond)])) },
  ];
  return data;
}
