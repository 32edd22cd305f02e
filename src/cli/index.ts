#!/usr/bin/env node
// The `lgnc` program: one subcommand a file, each thin (parse, call, print).
// User errors print one line and exit 2 (1 for a check that failed). Anything else is a bug:
// one line saying so and how to report it, exit 70; the stack only with --debug or LGNC_DEBUG=1.

import { Command, CommanderError } from 'commander';
import { reportError } from './report-error.js';
import { registerCheck } from './check.js';
import { registerDemo } from './demo.js';
import { registerEval } from './eval.js';
import { registerFlatten } from './flatten.js';
import { registerFlow } from './flow.js';
import { registerCompile } from './compile.js';
import { registerImport } from './import.js';
import { registerSynth } from './synth.js';
import { registerTrain } from './train.js';
import { registerVerify } from './verify.js';
import { LGNC_VERSION } from './version.js';

/** The subcommands, in the order `lgnc --help` lists them. */
const commands: ((program: Command) => void)[] = [registerCheck, registerEval, registerImport, registerFlatten, registerCompile, registerVerify, registerTrain, registerSynth, registerFlow, registerDemo];

export function buildProgram(): Command {
  const program = new Command()
    .name('lgnc')
    .description('lgnc compiles trained logic gate networks into verified hardware:\ntrain → compile (Verilog) → verify (Verilator) → synth (iCE40 bitstream).')
    .version(LGNC_VERSION)
    .option('--debug', 'on an internal error, print the stack trace (also LGNC_DEBUG=1)')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  program.commands.forEach((c) => c.exitOverride());
  program.addHelpText('after', `
Examples:
  $ lgnc check model.json                      validate a netlist and summarize it
  $ lgnc eval model.json --vectors v.txt       predictions and scores per input vector
  $ lgnc compile model.json -o build/          Verilog core + build manifest (--pipeline K)
  $ lgnc import model.pt -o model.json --classes 10   a difflogic/torchlogix PyTorch checkpoint → netlist
  $ lgnc flatten conv.json -o flat.json        a conv (v2) netlist as plain gate layers
  $ lgnc train --dataset mnist -o model.json   train a gate network, write the frozen netlist
  $ lgnc verify --build build/                 simulate the Verilog (Verilator), compare with the netlist
  $ lgnc synth build/ --board icebreaker       iCE40 bitstream + resource/Fmax report (budgets: --max-lcs)

Exit codes: 0 ok, 1 a check failed, 2 bad input or usage, 70 an internal error (a bug).`);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  const debug = argv.includes('--debug') || process.env.LGNC_DEBUG === '1';
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version arrive here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    const r = reportError(err, { json, debug });
    if (r.stdout) process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
    return r.exitCode;
  }
}

// `lgnc ... | head` closes the pipe early: stop quietly, like other command-line tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

process.exitCode = await main(process.argv);
