// `lgnc eval MODEL --vectors FILE`: run the reference evaluator on input vectors.

import type { Command } from 'commander';
import { Option } from 'commander';
import { evaluateNetlist } from '../netlist/evaluate.js';
import { loadNetlist } from '../netlist/netlist.js';
import { readVectors, type VectorFormat } from '../netlist/vectors.js';
import { printJson, table } from './output.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('evaluate a netlist on input vectors with the reference evaluator: predicted class and per-class scores')
    .argument('<model>', 'netlist JSON file')
    .requiredOption('--vectors <file>', "input vectors: text (one 0/1 string per line, character i = input bit i) or packed binary (.bin: ceil(N/8) bytes per vector, bit i at byte i>>3, LSB first)")
    .addOption(new Option('--format <fmt>', 'vector file format').choices(['auto', 'text', 'bin']).default('auto'))
    .option('--json', 'print {predictions, scores} as JSON')
    .addHelpText('after', `
Examples:
  $ printf '00\\n01\\n10\\n11\\n' > v.txt && lgnc eval fixtures/xor.json --vectors v.txt
  $ lgnc eval model.json --vectors test.bin --json > predictions.json`)
    .action((model: string, opts: { vectors: string; format: VectorFormat; json?: boolean }) => {
      const net = loadNetlist(model);
      const x = readVectors(opts.vectors, net.inputs, opts.format);
      const t0 = performance.now();
      const r = evaluateNetlist(net, x);
      const ms = performance.now() - t0;
      const K = r.classes;
      const scoresOf = (s: number) => Array.from(r.scores.subarray(s * K, (s + 1) * K));
      if (opts.json) {
        return printJson({
          model,
          vectors: r.count,
          classes: K,
          predictions: Array.from(r.predictions),
          scores: Array.from({ length: r.count }, (_, s) => scoresOf(s)),
          evalMs: Math.round(ms),
        });
      }
      const rows = Array.from({ length: r.count }, (_, s) => [s, r.predictions[s], scoresOf(s).join(' ')]);
      process.stdout.write(table(['vector', 'class', `scores (class 0..${K - 1})`], rows));
      process.stdout.write(`\n${r.count} vectors, ${K} classes, evaluated in ${ms.toFixed(1)} ms\n`);
    });
}
