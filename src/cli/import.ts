// `lgnc import CHECKPOINT -o model.json`: a difflogic-family PyTorch checkpoint → lgn-netlist v1,
// a torchlogix one (conv trees, OR pooling, dense layers) → lgn-netlist v2.

import { basename } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { importCheckpoint, type Activation, type ImportFormat, type TorchlogixParametrization } from '../import/index.js';
import { formatNetlist, gateCount, netlistWidths, storedGateCount } from '../netlist/netlist.js';
import { LIMITS, wholeNumberOption } from '../netlist/limits.js';
import { checkOutputPath, readFileOrFail, writeFileAtomic } from '../util/files.js';
import { keyValues, printJson, table } from './output.js';

interface ImportCliOptions {
  output: string;
  format?: ImportFormat;
  classes?: number;
  tau?: number;
  inputs?: number;
  activation?: Activation;
  parametrization?: TorchlogixParametrization;
  name?: string;
  json?: boolean;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('read a difflogic-family or torchlogix PyTorch checkpoint (torch.save zip) and write a frozen netlist; no Python needed, and no code from the file ever runs')
    .argument('<checkpoint>', 'a .pt/.pth file written by torch.save: a state dict, or {"model": state_dict, "indices": [(a, b), ...]}')
    .requiredOption('-o, --output <file>', 'netlist JSON to write')
    .addOption(new Option('--format <format>', 'parametrization: difflogic ([gates, 16] logits → argmax) or iwp ([gates, 4] truth-table logits → threshold); default: from the weight shapes').choices(['difflogic', 'iwp']))
    .option('--classes <K>', 'number of classes of the GroupSum (not stored in a state dict)', (v) => wholeNumberOption('--classes', v, 1, 'classes'))
    .option('--tau <T>', 'GroupSum temperature, recorded in the netlist (scores in hardware are popcounts either way)', positiveNumber)
    .option('--inputs <N>', 'input bits of the network; default: from the checkpoint, else the largest index layer 0 reads + 1 (with a warning)', (v) => wholeNumberOption('--inputs', v, 1, 'inputs'))
    .addOption(new Option('--activation <act>', 'iwp only: the act_fn trained with (sin: 0.5+0.5·sin x, sigmoid, linear); needed when sin and sigmoid would give different gates, and always for linear').choices(['sin', 'sigmoid', 'linear']))
    .addOption(new Option('--parametrization <p>', 'torchlogix only: what [gates, 4] weights are (warp: Walsh coefficients, light: truth-table logits); default: "parametrization" in the checkpoint\'s arch').choices(['raw', 'warp', 'light']))
    .option('--name <name>', 'netlist name (default: the checkpoint file name)')
    .option('--json', 'print the import summary as JSON')
    .addHelpText('after', `
Checkpoint layout (difflogic keeps the connections outside state_dict, so save them beside it):
  torch.save({'model': model.state_dict(),
              'indices': [l.indices for l in model if hasattr(l, 'indices')],
              'inputs': 784, 'classes': 10, 'tau': 10.0}, 'model.pt')
Registered buffers "<layer>.indices" ([2, gates]) are read too. torchlogix models (LogicConv2d,
OrPooling2d, Flatten, LogicDense, GroupSum) become v2 netlists; save their architecture beside the
state dict ('arch': lgnc_arch(model), the helper in the README). Only tensors, dicts, lists and
numbers are read from the pickle; anything else (a pickled model class, os.system, …) is refused.

Examples:
  $ lgnc import model.pt -o model.json --classes 10 --tau 10 --inputs 784
  $ lgnc import light.pt -o light.json --format iwp --activation sin --classes 2
  $ lgnc import clgn.pt -o clgn.json                 a torchlogix conv model (arch saved beside it)
  $ lgnc import model.pt -o model.json --json | jq .gates`)
    .action((checkpoint: string, opts: ImportCliOptions) => {
      const t0 = performance.now();
      checkOutputPath(opts.output, 'file', 'output file (-o)');
      const bytes = readFileOrFail(checkpoint, 'checkpoint file', LIMITS.fileBytes);
      const { netlist, report, warnings } = importCheckpoint(bytes, checkpoint, {
        format: opts.format,
        classes: opts.classes,
        tau: opts.tau,
        inputs: opts.inputs,
        activation: opts.activation,
        parametrization: opts.parametrization,
        name: opts.name ?? defaultName(checkpoint),
      });
      writeFileAtomic(opts.output, formatNetlist(netlist));
      const ms = performance.now() - t0;
      for (const w of warnings) process.stderr.write(`lgnc: warning: ${w}\n`);
      const gates = gateCount(netlist);
      if (opts.json) {
        return printJson({
          ok: true, checkpoint, output: opts.output, name: netlist.name, inputs: netlist.inputs,
          gates, storedGates: storedGateCount(netlist), version: netlist.version, widths: netlistWidths(netlist), classes: netlist.output.classes,
          tau: netlist.output.tau ?? null, ...report, warnings, importMs: Math.round(ms),
        });
      }
      process.stdout.write(`${checkpoint} → ${opts.output} (${ms.toFixed(0)} ms)\n\n`);
      const pairs: [string, string | number][] = [
        ['format', report.format + (report.parametrization ? ` (${report.parametrization})` : '') + (report.activation ? ` (activation ${report.activation}, ${report.activationFrom})` : report.activationFrom ? ' (sin and sigmoid give the same gates)' : '')],
        ['inputs', `${netlist.inputs} (${report.inputsFrom})`],
        ['connections', report.indicesFrom],
        ['gates', netlist.version === 2 && storedGateCount(netlist) !== gates ? `${storedGateCount(netlist)} stored → ${gates} unrolled` : gates],
        ['classes', `${netlist.output.classes}${netlist.output.tau !== undefined ? `, tau ${netlist.output.tau}` : ''}`],
      ];
      if (report.ignored.length) pairs.push(['ignored', report.ignored.join(', ')]);
      process.stdout.write(keyValues(pairs) + '\n');
      process.stdout.write(table(['layer', 'tensor', 'gates'], report.layers.map((l, i) => [i, l.key, l.gates])));
    });
}

/** The checkpoint's file name without extension, as a Verilog-friendly identifier. */
function defaultName(path: string): string {
  const stem = basename(path).replace(/\.[^.]*$/, '');
  const id = stem.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(id) ? id : `m_${id}`;
}

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}
