// `lgnc check MODEL`: validate a frozen netlist and summarize it.

import type { Command } from 'commander';
import { loadNetlist } from '../netlist/netlist.js';
import { summarize } from '../netlist/summary.js';
import { keyValues, printJson, table } from './output.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate a frozen netlist (lgn-netlist v1) and print a summary')
    .argument('<model>', 'netlist JSON file')
    .option('--json', 'print the summary as JSON')
    .addHelpText('after', `
Examples:
  $ lgnc check model.json
  $ lgnc check model.json --json | jq .gates`)
    .action((model: string, opts: { json?: boolean }) => {
      const t0 = performance.now();
      const net = loadNetlist(model);
      const s = summarize(net);
      const ms = performance.now() - t0;
      if (opts.json) return printJson({ ok: true, file: model, ...s, checkMs: Math.round(ms) });
      process.stdout.write(`${model}: valid lgn-netlist v1 (${ms.toFixed(0)} ms)\n\n`);
      process.stdout.write(keyValues([
        ['name', s.name],
        ['inputs', `${s.inputs.toLocaleString('en-US')}${s.unusedInputs ? ` (${s.unusedInputs.toLocaleString('en-US')} not wired to any gate)` : ''}`],
        ['encoding', s.encoding ? `${s.encoding.kind}, ${s.encoding.features} features` : 'none (inputs are raw bits)'],
        ['layers', `${s.layers} (widths ${compactWidths(s.widths)})`],
        ['gates', s.gates],
        ['classes', `${s.classes} × ${s.outputsPerClass.toLocaleString('en-US')} outputs (Group-Sum${s.tau !== null ? `, tau ${s.tau}` : ''})`],
      ]));
      process.stdout.write('\nop histogram\n');
      const rows = Object.entries(s.ops).map(([name, n], op) => [op, name, n, pct(n, s.gates)]);
      process.stdout.write(table(['op', 'name', 'gates', 'share'], rows));
    });
}

function pct(n: number, total: number): string {
  return `${((100 * n) / total).toFixed(1)}%`;
}

/** "8000 × 6" for equal widths, the list otherwise. */
function compactWidths(w: number[]): string {
  return w.every((x) => x === w[0]) ? `${w[0].toLocaleString('en-US')} × ${w.length}` : w.join(', ');
}
