// `lgnc train`: train a logic gate network on a dataset and write the frozen netlist.
// Thin: parse flags, call train(), show progress (a bar on a TTY, plain lines otherwise),
// print the summary (or JSON).

import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { saveNetlist, gateCount, storedGateCount } from '../netlist/netlist.js';
import { train, defaultRecipe, PRESETS, type ProgressEvent, type TrainOptions } from '../train/index.js';
import type { LrSchedule } from '../train/config.js';
import { checkLimit, type LimitName } from '../netlist/limits.js';
import { checkOutputPath } from '../util/files.js';
import { printJson } from './output.js';

function intArg(name: string, min: number, limit?: LimitName) {
  return (v: string) => {
    if (!/^\d+$/.test(v.trim()) || Number(v) < min) throw new InvalidArgumentError(`${name} must be a whole number >= ${min}.`);
    return limit ? checkLimit(Number(v), limit, name) : Number(v);
  };
}

function numArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0.`);
    return n;
  };
}

function fractionArg(name: string) {
  return (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError(`${name} must be a fraction in [0, 1] (0 = off).`);
    return n;
  };
}

function widthArg(v: string): number | number[] {
  const parts = v.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) {
    throw new InvalidArgumentError('give gates per layer: one number (e.g. 8000) or one per layer (e.g. 2000,2000,1000).');
  }
  checkLimit(parts.length, 'layers', '--width (layers)');
  const widths = parts.map((p) => checkLimit(Number(p), 'layerWidth', '--width'));
  return widths.length === 1 ? widths[0] : widths;
}

/** Sizes the flags imply together, and the K of encodings and connections, within the limits (before any data loads). */
function checkTrainSizes(f: Flags): void {
  const gates = Array.isArray(f.width) ? f.width.reduce((s, w) => s + w, 0) : (f.width ?? 0) * (f.layers ?? defaultRecipe.layers);
  checkLimit(gates, 'gates', '--layers × --width', 'train a smaller network');
  const k = (s: string | undefined, re: RegExp) => Number(re.exec(s ?? '')?.[1] ?? 0);
  checkLimit(k(f.encoding, /^(?:uniform|quantile):(\d+)$/), 'thresholdsPerFeature', `--encoding ${f.encoding}`);
  checkLimit(k(f.connect, /^topk:(\d+)$/), 'topk', `--connect ${f.connect}`);
  checkOutputPath(f.output, 'file', 'output file (-o)');
  if (f.checkpoint !== undefined) checkOutputPath(f.checkpoint, 'file', 'checkpoint file (--checkpoint)');
}

interface Flags {
  dataset: string;
  output: string;
  limit?: number;
  label?: string;
  test?: string;
  testFraction?: number;
  encoding?: string;
  layers?: number;
  width?: number | number[];
  tau?: number | 'auto';
  epochs?: number;
  batch?: number;
  lr?: number;
  optimizer?: 'adam' | 'adamw';
  weightDecay?: number;
  param?: 'softmax16' | 'iwp';
  rho?: 'sin' | 'sigmoid';
  gumbel?: number;
  init?: 'gaussian' | 'residual';
  connect?: 'random' | 'unique' | 'dense' | `topk:${number}`;
  shrink?: string;
  lrSchedule?: LrSchedule;
  redraw?: string;
  harden?: string;
  average?: number;
  preset?: string;
  shift?: number;
  connectTemp?: number;
  seed?: number;
  threads?: number;
  checkpoint?: string;
  resume?: boolean;
  timeBudget?: number;
  name?: string;
  conv?: string;
  json?: boolean;
}

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/** Progress on stderr: a bar when a person watches (TTY, not CI), else a line every ~10 s. */
export function progressReporter(json: boolean): { on: (e: ProgressEvent) => void; stop: () => void } {
  const tty = process.stderr.isTTY && !process.env.CI;
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  const say = (s: string) => process.stderr.write(s + '\n');
  return {
    on(e) {
      if (e.kind === 'start') {
        const c = e.config;
        say(`training ${c.dataset}: ${e.trainSamples.toLocaleString('en-US')} train / ${e.testSamples.toLocaleString('en-US')} test samples, ${e.inputs} input bits (${c.encoding}), ` +
          `${c.widths.length} layers (${c.widths.join(', ')}) = ${e.gates.toLocaleString('en-US')} gates, tau ${c.tau}${c.tauAuto ? ' (auto)' : ''}, ${c.epochs} epoch${c.epochs === 1 ? '' : 's'}, batch ${c.batch}, lr ${c.lr}, ${c.threads} thread${c.threads > 1 ? 's' : ''}` +
          (e.resumedEpochs ? `, resuming after epoch ${e.resumedEpochs}` : ''));
        if (e.note) say(`note: ${e.note}`);
      } else if (e.kind === 'step') {
        if (tty) {
          if (!bar) {
            bar = new cliProgress.SingleBar({
              format: 'epoch {ep} |{bar}| {percentage}% | loss {loss} | {sps} samples/s | ETA {eta_formatted}',
              stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50,
            }, cliProgress.Presets.shades_classic);
            bar.start(e.steps, 0, { ep: '', loss: '', sps: '' });
          }
          bar.setTotal(e.steps);
          bar.update(e.step, { ep: `${e.epoch + 1}/${e.epochs}`, loss: e.loss.toFixed(4), sps: Math.round(e.samplesPerSecond).toLocaleString('en-US') });
        } else if (performance.now() - lastLine > 10_000) {
          lastLine = performance.now();
          say(`epoch ${e.epoch + 1}/${e.epochs}: step ${e.step}/${e.steps}, loss ${e.loss.toFixed(4)}, ${Math.round(e.samplesPerSecond).toLocaleString('en-US')} samples/s`);
        }
      } else {
        bar?.stop();
        bar = null;
        const r = e.record;
        say(`epoch ${r.epoch}/${e.epochs}${r.partial ? ' (cut short by --time-budget)' : ''}: loss ${r.loss.toFixed(4)}, train ${pct(r.trainAccuracy)}, ` +
          `test soft ${pct(r.softTestAccuracy)}, frozen ${pct(r.frozenTestAccuracy)}, ${r.seconds.toFixed(1)} s`);
      }
      void json;
    },
    stop() {
      bar?.stop();
    },
  };
}

export function registerTrain(program: Command): void {
  const r = defaultRecipe;
  program
    .command('train')
    .description('train a logic gate network on a dataset and write the frozen netlist (lgn-netlist v1; v2 for a conv model, --conv)')
    .requiredOption('--dataset <name>', 'mnist, fashion-mnist, monk1, monk2, monk3, or csv:PATH')
    .addOption(new Option('--preset <name>', `start from a named recipe; options given with it override its values (${Object.entries(PRESETS).map(([n, p]) => `${n}: ${p.summary}`).join('; ')})`).choices(Object.keys(PRESETS)))
    .option('-o, --output <file>', 'where to write the frozen netlist', 'model.json')
    .option('--limit <n>', 'use at most n samples of each split (quick runs)', intArg('--limit', 1, 'samples'))
    .option('--label <column>', 'csv: the label column, a header name or 0-based index (default: last)')
    .option('--test <file>', 'csv: a separate test file with the same columns')
    .option('--test-fraction <f>', 'csv without --test: share of rows held out for testing (default 0.2)', numArg('--test-fraction'))
    .option('--encoding <enc>', 'input bits per feature: uniform:K or quantile:K thresholds (default: the dataset\'s, uniform:1 for images)')
    .option('--layers <n>', `gate layers (default ${r.layers})`, intArg('--layers', 1, 'layers'))
    .option('--width <n|list>', `gates per layer: one number, or one per layer (default ${r.width.join(',')})`, widthArg)
    .option('--tau <t|auto>', `Group-Sum temperature, or auto: √(outputs per class)/3 (default ${r.tau})`, (v: string) => (v === 'auto' ? 'auto' : numArg('--tau')(v)))
    .option('--epochs <n>', `passes over the training set (default ${r.epochs})`, intArg('--epochs', 0, 'epochs'))
    .option('--batch <n>', `samples per step (default ${r.batch})`, intArg('--batch', 1, 'batch'))
    .option('--lr <rate>', `learning rate (default ${r.lr})`, numArg('--lr'))
    .addOption(new Option('--optimizer <name>', `optimizer (default ${r.optimizer})`).choices(['adam', 'adamw']))
    .option('--weight-decay <w>', 'AdamW decoupled weight decay (default 0.01 with adamw)', (v) => {
      const n = Number(v);
      if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('--weight-decay must be a number >= 0.');
      return n;
    })
    .addOption(new Option('--param <name>', `gate parametrization: softmax16 (16 op logits per gate) or iwp (4 truth-table parameters, Light DLGN) (default ${r.param})`).choices(['softmax16', 'iwp']))
    .addOption(new Option('--rho <fn>', 'iwp: ρ mapping parameters to the soft truth table: sin (0.5 + 0.5·sin) or sigmoid (default sin)').choices(['sin', 'sigmoid']))
    .option('--gumbel <T>', 'softmax16: Gumbel straight-through training at temperature T (hard sampled gates forward, softmax((z+G)/T) backward); freezing uses the noise-free argmax', numArg('--gumbel'))
    .addOption(new Option('--init <name>', `initial parameters: gaussian N(0,1), or residual (start as pass-through of input a) (default ${r.init})`).choices(['gaussian', 'residual']))
    .option('--connect <kind>', `connections: random, unique (every input used evenly), topk:K (learnable: each input mixes K candidates, frozen to the best), or dense (learnable over all signals of the previous layer) (default ${r.connect})`)
    .option('--shrink <E:K,...>', 'learnable connections: after epoch E keep only the K best candidates of every gate input (e.g. 1:16,3:4; later epochs get cheaper)')
    .option('--connect-temp <T>', 'topk:K: the candidate softmax temperature falls from 1 to T over the run, hardening each input toward its best candidate (default 1: constant)', numArg('--connect-temp'))
    .option('--shift <px>', 'augmentation: shift every training image by up to px pixels (random each step; images with uniform:K encodings) (default 0)', intArg('--shift', 0))
    .option('--lr-schedule <kind>', 'learning rate over the run: constant, cosine (decay to 0), or decay:F (constant, then linear to 0 over the last fraction F of the run, e.g. decay:0.3) (default constant)')
    .option('--redraw <R:E>', 'topk:K: after each of the first E epochs every gate input replaces its R weakest candidates by new random sources (e.g. 2:20)')
    .option('--harden <F>', 'train the last fraction F of the epochs on what freezing keeps (argmax wires, frozen gates) forward, the relaxation backward (straight-through); wires:F or gates:F harden one part, wires:F,gates:G each over its own fraction (e.g. 0.25, wires:0.5); conv models: gates:F')
    .option('--average <F>', 'freeze the mean of the parameters at the ends of the last fraction F of the epochs instead of the last epoch\'s (weight averaging; e.g. 0.125; 0 = off; the candidates must not change in those epochs)', fractionArg('--average'))
    .option('--seed <n>', `random seed: connections, init, shuffling (default ${r.seed})`, intArg('--seed', 0, 'seed'))
    .option('--threads <n>', 'worker threads (default: min(2, cores)); same seed + threads → same netlist', intArg('--threads', 1, 'threads'))
    .option('--checkpoint <file>', 'write a checkpoint after every epoch (atomically)')
    .option('--resume', 'continue from --checkpoint if it exists (its settings win, except --epochs and --threads)')
    .option('--time-budget <seconds>', 'stop training after this many seconds, then freeze', numArg('--time-budget'))
    .option('--conv <stages>', 'a conv model (LogicTreeNet; writes lgn-netlist v2): conv-tree and OR-pooling stages before the gate layers of --width, comma-separated: conv:K[:dD][:rR][:pP][:sS][:cC] (K kernels, trees of depth D (3) over an R×R field (3), padding P (1), stride S (1), leaves from C input channels (2)) and pool[:N] (N×N OR pooling, stride N (2)); e.g. conv:32,pool,conv:64,pool')
    .option('--name <name>', 'netlist name (default from dataset and sizes)')
    .option('--json', 'print a JSON summary (with the per-epoch history) on stdout')
    .addHelpText('after', `
Examples:
  $ lgnc train --dataset monk1 --param softmax16 --connect unique --width 128,128,128,16 --tau 0.5 --batch 16 --lr 0.05 --epochs 300 --seed 4 -o monk1.json
  $ lgnc train --dataset mnist -o mnist-s.json              the default recipe (${r.width.join(',')} gates, ${r.epochs} epochs)
  $ lgnc train --dataset mnist --preset mnist-8k -o mnist-8k.json            8,000 gates, the most accurate HX8K-sized recipe
  $ lgnc train --dataset fashion-mnist --preset fashion-8k --epochs 10 -o f.json   a preset, with one value overridden
  $ lgnc train --dataset mnist --preset mnist-conv -o mnist-conv.json        a conv model (logic trees, OR pooling), v2 netlist
  $ lgnc train --dataset mnist --conv conv:16,pool,conv:32,pool --width 4000,2000 --tau auto -o c.json
  $ lgnc train --dataset mnist --param softmax16 --connect unique --layers 6 --width 8000 --tau 10 --epochs 20 --batch 128 --lr 0.01 --seed 1 -o mnist-6x8000.json
  $ lgnc train --dataset mnist --limit 5000 --epochs 2 --json > summary.json
  $ lgnc train --dataset fashion-mnist --encoding uniform:3 --checkpoint fm.ckpt --resume -o fm.json
  $ lgnc train --dataset csv:data.csv --label class --encoding quantile:4 --width 200,100 -o model.json

Progress goes to stderr (a bar on a terminal, a line every 10 s otherwise); after every
epoch: mean loss, train accuracy, and test accuracy of the float model ("soft") and of the
frozen netlist under the reference evaluator ("frozen"). The netlist records the encoding
and, in "meta", the config, seed, epochs, time and accuracies.`)
    .action(async (f: Flags) => {
      checkTrainSizes(f);
      const opts: TrainOptions = {
        dataset: f.dataset, limit: f.limit, encoding: f.encoding, layers: f.layers, width: f.width, tau: f.tau,
        epochs: f.epochs, batch: f.batch, lr: f.lr, optimizer: f.optimizer, weightDecay: f.weightDecay, param: f.param, rho: f.rho, gumbel: f.gumbel,
        preset: f.preset, shift: f.shift, connectTemp: f.connectTemp, init: f.init, connect: f.connect, shrink: f.shrink, lrSchedule: f.lrSchedule, redraw: f.redraw, harden: f.harden, average: f.average, seed: f.seed, threads: f.threads, checkpoint: f.checkpoint, resume: f.resume,
        timeBudget: f.timeBudget, name: f.name, conv: f.conv,
        csv: f.label !== undefined || f.test !== undefined || f.testFraction !== undefined ? { label: f.label, testFile: f.test, testFraction: f.testFraction } : undefined,
      };
      const progress = progressReporter(!!f.json);
      let res;
      try {
        res = await train(opts, progress.on);
      } finally {
        progress.stop();
      }
      saveNetlist(f.output, res.netlist);
      const gates = gateCount(res.netlist);
      if (f.json) {
        return printJson({
          ok: true, output: f.output, dataset: res.config.dataset, gates, inputs: res.netlist.inputs, classes: res.netlist.output.classes,
          epochs: res.history.length, softTestAccuracy: res.softTestAccuracy, frozenTestAccuracy: res.frozenTestAccuracy,
          discretizationGap: res.discretizationGap, gateUsage: res.gateUsage, averagedEpochs: res.netlist.meta?.averagedEpochs ?? null,
          trainSeconds: res.trainSeconds, wallSeconds: res.wallSeconds, cpuSeconds: res.netlist.meta?.cpuSeconds, peakRssMB: res.netlist.meta?.peakRssMB,
          gateSamplesPerSecond: Math.round(res.gateSamplesPerSecond),
          config: res.config, history: res.history,
        });
      }
      const u = res.gateUsage;
      const av = res.netlist.meta?.averagedEpochs as { from: number; to: number; count: number } | null | undefined;
      process.stdout.write(`wrote ${f.output}: ${gates.toLocaleString('en-US')} gates${res.netlist.version === 2 ? ` unrolled (${storedGateCount(res.netlist).toLocaleString('en-US')} stored)` : ''}, frozen test accuracy ${pct(res.frozenTestAccuracy)} ` +
        `(soft ${pct(res.softTestAccuracy)}), ${res.history.length} epoch${res.history.length === 1 ? '' : 's'} in ${res.trainSeconds.toFixed(1)} s ` +
        `(${(res.gateSamplesPerSecond / 1e6).toFixed(1)} M gate-samples/s; ${res.netlist.meta?.cpuSeconds} CPU s, peak ${res.netlist.meta?.peakRssMB} MB)\n` +
        (av ? `frozen from the mean parameters of epochs ${av.from}–${av.to} (--average)\n` : '') +
        `discretization gap (soft − frozen) ${(100 * res.discretizationGap).toFixed(2)} points` +
        (u ? `; unused gates ${pct(u.unusedFraction)} (${u.dead} dead, ${u.passThrough} wires/inverters, ${u.constant} constants)` : '') + '\n');
    });
}
