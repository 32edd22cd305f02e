// The whole road for one model: compile → verify → synth, stopping at the first failure.
// Verification uses the model's own test split (when the netlist records its dataset and
// encoding) and seeded random vectors; the hardware accuracy it reports is computed from
// the simulated class of every test sample, not inferred from "0 mismatches".

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { encode, loadDataset } from '../data/index.js';
import { compileToDir, type BuildManifest } from '../emit/build.js';
import type { BitSlices } from '../netlist/evaluate.js';
import { loadNetlist, type AnyNetlist } from '../netlist/netlist.js';
import { CheckFailed } from '../util/errors.js';
import { writeFileAtomic } from '../util/files.js';
import { synthesize, type ShellKind, type SynthReport } from './synth.js';
import { verifyBuild, type VerifyReport } from './verify.js';

export interface FlowOptions {
  out: string;
  top?: string;
  pipeline?: number | null;
  /** Random vectors to verify with, besides the test split (default 2,000). */
  vectors?: number;
  /** Verify on the model's dataset test split when the netlist records one (default true). */
  dataset?: boolean;
  /** Test samples to verify with (default: the whole split). */
  datasetLimit?: number;
  seed?: number;
  device?: string;
  package?: string;
  board?: string;
  shell?: ShellKind;
  freq?: number;
  router?: 'router1' | 'router2';
  maxLcs?: number;
  minFmax?: number;
  /** Skip synthesis (compile and verify only). */
  synth?: boolean;
  log?: (line: string) => void;
}

export interface DatasetCheck {
  name: string;
  samples: number;
  /** Accuracy of the reference evaluator (software, frozen) and of the simulated hardware. */
  softwareAccuracy: number;
  hardwareAccuracy: number;
}

export interface FlowResult {
  format: 'lgnc-flow';
  version: 1;
  model: string;
  manifest: BuildManifest;
  verify: VerifyReport[];
  dataset: DatasetCheck | null;
  synth: SynthReport | null;
  seconds: { compile: number; verify: number; synth: number; total: number };
}

/** The encoded test split of the dataset the netlist was trained on, if it can be loaded here. */
export function modelTestSplit(net: AnyNetlist, limit?: number): { name: string; x: BitSlices; y: Int32Array } | null {
  const name = net.meta?.dataset;
  if (typeof name !== 'string' || !net.encoding) return null;
  if (name.startsWith('csv:') && !existsSync(name.slice(4))) return null;
  const metaLimit = typeof net.meta?.limit === 'number' ? net.meta.limit : undefined;
  const d = loadDataset(name, { limit: limit ?? metaLimit });
  const count = d.test.count;
  return { name, x: encode(net.encoding, d.test.x, count), y: d.test.y.subarray(0, count) };
}

function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

function failOnMismatch(r: VerifyReport): void {
  if (r.ok) return;
  const bad = r.checks.find((c) => c.mismatches > 0 || c.validErrors > 0);
  const first = bad?.first[0];
  const detail = first
    ? ` First at vector ${first.index}: expected class ${first.expected.classId} scores [${first.expected.scores.join(' ')}], got ${first.got ? `class ${first.got.classId} scores [${first.got.scores.join(' ')}]` : 'no result'}.`
    : '';
  throw new CheckFailed(`verify (${r.vectors.source}): ${bad?.mismatches ?? 0} of ${r.vectors.count} vectors differ between the Verilog and the reference evaluator.${detail} This is a compiler bug: please report it with the model.`);
}

export async function runFlow(model: string, o: FlowOptions): Promise<FlowResult> {
  const log = o.log ?? (() => {});
  const t0 = performance.now();
  const net = loadNetlist(model);

  log(`compile: ${model} → ${o.out}`);
  const manifest = compileToDir(model, o.out, { top: o.top, pipeline: o.pipeline ?? null });
  const t1 = performance.now();
  log(`compile: ${manifest.stats.netlistGates.toLocaleString('en-US')} gates → ${manifest.stats.gates.toLocaleString('en-US')} after optimization (incl. popcount and argmax), ${manifest.stats.levels} levels, latency ${manifest.pipeline.latency}`);

  const verify: VerifyReport[] = [];
  let dataset: DatasetCheck | null = null;
  const split = o.dataset === false ? null : modelTestSplit(net, o.datasetLimit);
  if (split) {
    log(`verify: ${split.name} test split, ${split.x.count.toLocaleString('en-US')} samples, under Verilator`);
    const r = await verifyBuild({ build: o.out, top: manifest.top, vectors: split.x, vectorSource: `dataset ${split.name} test`, log });
    verify.push(r);
    failOnMismatch(r);
    const sim = r.checks[0];
    dataset = {
      name: split.name,
      samples: split.x.count,
      softwareAccuracy: accuracy(sim.expectedClasses!, split.y),
      hardwareAccuracy: accuracy(sim.simulatedClasses!, split.y),
    };
  }
  const count = o.vectors ?? 2000;
  if (count > 0) {
    log(`verify: ${count.toLocaleString("en-US")} random vectors (every vector when the core has <= 20 inputs) under Verilator`);
    const r = await verifyBuild({ build: o.out, top: manifest.top, count, seed: o.seed ?? 1, log });
    verify.push(r);
    failOnMismatch(r);
  }
  const t2 = performance.now();

  let synth: SynthReport | null = null;
  if (o.synth !== false) {
    synth = await synthesize(o.out, {
      top: manifest.top, device: o.device, package: o.package, board: o.board, shell: o.shell, freq: o.freq, router: o.router,
      seed: o.seed, maxLcs: o.maxLcs, minFmax: o.minFmax, onProgress: log,
    });
    if (synth.budgets.failures.length) throw new CheckFailed(`synth: over budget: ${synth.budgets.failures.join('; ')}`);
  }
  const t3 = performance.now();
  const result: FlowResult = {
    format: 'lgnc-flow',
    version: 1,
    model,
    manifest,
    verify,
    dataset,
    synth,
    seconds: { compile: (t1 - t0) / 1000, verify: (t2 - t1) / 1000, synth: (t3 - t2) / 1000, total: (t3 - t0) / 1000 },
  };
  writeFileAtomic(join(o.out, 'flow.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}
