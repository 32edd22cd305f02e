// `lgnc flatten MODEL -o FLAT`: a v2 (conv) netlist → the same network as plain gate layers
// with "from": "all" (trees unrolled at every position, OR pooling as OR gates).

import type { Command } from 'commander';
import { flattenNetlist } from '../netlist/flatten.js';
import { formatNetlist, gateCount, loadNetlist, storedGateCount } from '../netlist/netlist.js';
import { writeFileAtomic } from '../util/files.js';
import { keyValues, printJson } from './output.js';

export function registerFlatten(program: Command): void {
  program
    .command('flatten')
    .description('unroll a netlist (v2: conv logic trees, OR pooling, flatten) into plain gate layers with "from": "all" that predict exactly the same')
    .argument('<model>', 'netlist JSON file (lgn-netlist v1 or v2)')
    .requiredOption('-o, --output <file>', 'flattened netlist JSON to write')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Examples:
  $ lgnc flatten conv.json -o conv-flat.json
  $ lgnc check conv-flat.json                        every tool that reads gates reads this
  $ lgnc flatten conv.json -o flat.json --json | jq .gates

meta.flattenedFrom in the output says which gates came from which layer.`)
    .action((model: string, opts: { output: string; json?: boolean }) => {
      const t0 = performance.now();
      const net = loadNetlist(model);
      const flat = flattenNetlist(net);
      writeFileAtomic(opts.output, formatNetlist(flat));
      const ms = performance.now() - t0;
      const summary = { stored: storedGateCount(net), gates: gateCount(flat), layers: { from: net.layers.length, to: flat.layers.length } };
      if (opts.json) return printJson({ ok: true, model, output: opts.output, ...summary, flattenMs: Math.round(ms) });
      process.stdout.write(`${model} → ${opts.output} (${ms.toFixed(0)} ms)\n\n`);
      process.stdout.write(keyValues([
        ['gates', `${fmt(summary.stored)} stored → ${fmt(summary.gates)} unrolled`],
        ['layers', `${summary.layers.from} → ${summary.layers.to} gate layers ("from": "all")`],
      ]));
    });
}

const fmt = (n: number) => n.toLocaleString('en-US');
