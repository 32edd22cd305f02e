// `lgnc demo` (what `npm start` runs): the whole road on a built-in default — train a small
// MNIST model with the default recipe, freeze it, then compile → verify → synth for an iCE40
// HX8K and write build/report.html. Everything lands in build/. Routing uses nextpnr's
// router2, several times faster than router1 here (at a somewhat lower Fmax), to keep the
// demo within minutes.

import { Command } from 'commander';
import { join } from 'node:path';
import { saveNetlist } from '../netlist/netlist.js';
import { defaultRecipe, train } from '../train/index.js';
import { flowSummary, flowWithReport } from './flow.js';
import { wholeNumberOption } from '../netlist/limits.js';
import { checkOutputPath } from '../util/files.js';
import { printJson } from './output.js';
import { progressReporter } from './train.js';

interface DemoOptions {
  output: string;
  epochs?: number;
  limit?: number;
  device: string;
  json?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the whole road on a built-in default: train a small MNIST model, compile, verify, synthesize for iCE40 HX8K (what `npm start` runs)')
    .option('-o, --output <dir>', 'where everything lands', 'build')
    .option('--epochs <n>', `training epochs (default ${defaultRecipe.epochs})`, (v) => wholeNumberOption('--epochs', v, 0, 'epochs'))
    .option('--limit <n>', 'use at most this many samples of each split (a quick run)', (v) => wholeNumberOption('--limit', v, 1, 'samples'))
    .option('--device <device>', 'iCE40 device', 'hx8k')
    .option('--json', 'print the flow result as JSON')
    .addHelpText('after', `
Examples:
  $ npm start                              the same as: lgnc demo
  $ lgnc demo --limit 2000 --epochs 2      a quick run on a slice of MNIST`)
    .action(async (o: DemoOptions) => {
      const say = (s: string) => process.stderr.write(`${s}\n`);
      checkOutputPath(o.output, 'folder', 'output folder (-o)');
      say(`lgnc demo: train ${defaultRecipe.dataset} (${defaultRecipe.width.join('-')} gates) → compile → verify → synth (${o.device}); output in ${o.output}/\n`);
      const progress = progressReporter(!!o.json);
      const trained = await train({ ...defaultRecipe, width: [...defaultRecipe.width], epochs: o.epochs ?? defaultRecipe.epochs, limit: o.limit }, progress.on);
      progress.stop();
      const model = join(o.output, 'model.json');
      saveNetlist(model, trained.netlist);
      say(`\ntrained in ${trained.trainSeconds.toFixed(0)} s: test accuracy ${pct(trained.softTestAccuracy)} (float), ${pct(trained.frozenTestAccuracy)} (frozen) → ${model}\n`);
      const { result, report } = await flowWithReport(model, { out: o.output, device: o.device, router: 'router2', log: say });
      if (o.json) return printJson({ ok: true, train: { softTestAccuracy: trained.softTestAccuracy, frozenTestAccuracy: trained.frozenTestAccuracy, trainSeconds: trained.trainSeconds }, ...result, report });
      process.stdout.write(`\nlgnc demo: done\n\n`);
      process.stdout.write(`${'test accuracy (float model)'.padEnd(46)}  ${pct(trained.softTestAccuracy)}\n`);
      process.stdout.write(flowSummary(result, report));
    });
}
