#!/usr/bin/env node
// The `lgnc` program: one subcommand a file, each thin (parse, call, print).
// User errors print one line and exit 2 (1 for a check that failed); only bugs show a stack.

import { Command, CommanderError } from 'commander';
import { UserError } from '../util/errors.js';
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

Exit codes: 0 ok, 1 a check failed, 2 bad input or usage.`);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and --version arrive here too, with exit code 0.
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof UserError) {
      if (json) process.stdout.write(JSON.stringify({ ok: false, error: err.message, exitCode: err.exitCode }) + '\n');
      process.stderr.write(`lgnc: error: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`lgnc: internal error (a bug; please report it with the command line):\n${(err as Error)?.stack ?? String(err)}\n`);
    return 70;
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
