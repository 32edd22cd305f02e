// `lgnc check MODEL`: validate a frozen netlist and summarize it.

import type { Command } from 'commander';
import { loadNetlist } from '../netlist/netlist.js';
import { summarize, type LayerSummary } from '../netlist/summary.js';
import { keyValues, printJson, table } from './output.js';

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description('validate a frozen netlist (lgn-netlist v1 or v2) and print a summary')
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
      process.stdout.write(`${model}: valid lgn-netlist v${s.version} (${ms.toFixed(0)} ms)\n\n`);
      const conv = s.layerDetails !== undefined && s.storedGates !== s.gates;
      process.stdout.write(keyValues([
        ['name', s.name],
        ['inputs', `${s.inputs.toLocaleString('en-US')}${s.unusedInputs ? ` (${s.unusedInputs.toLocaleString('en-US')} not wired to any gate)` : ''}`],
        ['encoding', s.encoding ? `${s.encoding.kind}, ${s.encoding.features} features` : 'none (inputs are raw bits)'],
        ['layers', `${s.layers} (widths ${compactWidths(s.widths)})`],
        ...(conv
          ? [['gates', `${s.storedGates.toLocaleString('en-US')} stored (conv kernels shared over positions) → ${s.gates.toLocaleString('en-US')} unrolled`] as [string, string]]
          : [['gates', s.gates] as [string, number]]),
        ['classes', `${s.classes} × ${s.outputsPerClass.toLocaleString('en-US')} outputs (Group-Sum${s.tau !== null ? `, tau ${s.tau}` : ''})`],
      ]));
      if (s.layerDetails) {
        process.stdout.write('\nlayers\n');
        process.stdout.write(table(['layer', 'kind', 'output', 'stored gates', 'unrolled gates'], s.layerDetails.map((d, l) => [
          l, describeKind(d), d.shape ? d.shape.join(' × ') : d.width.toLocaleString('en-US'), d.stored, d.gates,
        ])));
      }
      process.stdout.write(`\nop histogram${conv ? ' (stored gates)' : ''}\n`);
      const rows = Object.entries(s.ops).map(([name, n], op) => [op, name, n, pct(n, s.storedGates)]);
      process.stdout.write(table(['op', 'name', 'gates', 'share'], rows));
    });
}

function describeKind(d: LayerSummary): string {
  if (d.conv) return `conv ${d.conv.kernels} × depth ${d.conv.depth}, ${d.conv.receptiveField.join('×')} field, stride ${d.conv.stride}, pad ${d.conv.padding}`;
  if (d.kind === 'gates') return d.fromAll ? 'gates (from all)' : 'gates';
  return d.kind;
}

function pct(n: number, total: number): string {
  return `${((100 * n) / total).toFixed(1)}%`;
}

/** "8000 × 6" for equal widths, the list otherwise. */
function compactWidths(w: number[]): string {
  return w.every((x) => x === w[0]) ? `${w[0].toLocaleString('en-US')} × ${w.length}` : w.join(', ');
}
