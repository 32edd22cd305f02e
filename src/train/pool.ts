// The thread pool: the main thread is thread 0 and T-1 worker threads share the state.
// A command is: write its parameters, barrier (start), every thread does its share,
// barrier (end). A training step skips the end barrier: its update phase finishes at the
// next command's start barrier, and `sync()` (a no-op command) settles it before the main
// thread reads parameters. The main thread blocks in Atomics.wait while others finish, so a
// step costs no messages and no copies.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { threadWork, type ThreadWork } from './engine.js';
import { barrier, CMD, CTL, PAR, type State } from './state.js';

/** worker.js next to this file (dist/), or dist/ when running from the TypeScript sources. */
function workerUrl(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../../dist/train/worker.js', import.meta.url);
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export class Pool {
  private workers: Worker[] = [];
  private exited: Promise<unknown>[] = [];
  private main: ThreadWork;
  private closed = false;

  /** module: the compiled SIMD kernels (wasm.ts kernelModule()), instantiated by every thread. */
  constructor(readonly st: State, private readonly module: WebAssembly.Module) {
    this.main = threadWork(st, 0, module);
  }

  /** Starts the T-1 workers and waits until each has attached to the state. */
  async start(): Promise<void> {
    const url = workerUrl();
    const ready: Promise<void>[] = [];
    for (let i = 1; i < this.st.threads; i++) {
      const w = new Worker(url, { workerData: { buffers: this.st.buffers, module: this.module, index: i } });
      this.workers.push(w);
      this.exited.push(new Promise((r) => w.once('exit', r)));
      ready.push(new Promise((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`training worker ${i} exited (code ${code}) before it was ready`)));
      }));
    }
    await Promise.all(ready);
  }

  private command(cmd: number): void {
    if (this.closed) throw new Error('pool is closed');
    this.st.ctl[CTL.CMD] = cmd;
    barrier(this.st.ctl, this.st.threads);
    this.main.run();
    if (cmd !== CMD.STEP) barrier(this.st.ctl, this.st.threads);
  }

  /** Waits until every thread has finished the last step's update (parameters settled). */
  sync(): void {
    this.command(CMD.SYNC);
  }

  /** One optimizer step on the batch in st.batchIdx[0..B). t: Adam's step count (1-based). */
  step(B: number, tau: number, t: number, o: AdamParams): { lossSum: number; correct: number } {
    const par = this.st.par;
    par[PAR.BATCH] = B;
    par[PAR.TAU] = tau;
    par[PAR.LR] = o.lr;
    par[PAR.BETA1] = o.beta1;
    par[PAR.BETA2] = o.beta2;
    par[PAR.EPS] = o.eps;
    par[PAR.WD] = o.weightDecay;
    par[PAR.BC1] = 1 - o.beta1 ** t;
    par[PAR.BC2] = 1 - o.beta2 ** t;
    par[PAR.STEP] = t;
    this.command(CMD.STEP);
    return this.sums();
  }

  /** Forward over samples [from, from+count) of a split; predictions in st.evalPred[0..count). */
  /**
   * hard: use st.hard as coefficients (else st.coef); mixed: learnable connectivity's soft
   * mix of candidates (else the fixed st.a, st.b). Defaults to the soft model: mixed = !hard.
   */
  evaluate(set: 'train' | 'test', from: number, count: number, hard: boolean, tau: number, mixed = !hard): { lossSum: number; correct: number } {
    const par = this.st.par;
    par[PAR.EVAL_SET] = set === 'test' ? 1 : 0;
    par[PAR.EVAL_FROM] = from;
    par[PAR.EVAL_COUNT] = count;
    par[PAR.EVAL_HARD] = hard ? 1 : 0;
    par[PAR.EVAL_MIXED] = mixed ? 1 : 0;
    par[PAR.TAU] = tau;
    this.command(CMD.EVAL);
    return this.sums();
  }

  private sums(): { lossSum: number; correct: number } {
    let lossSum = 0, correct = 0;
    for (let t = 0; t < this.st.threads; t++) {
      lossSum += this.st.results[2 * t];
      correct += this.st.results[2 * t + 1];
    }
    return { lossSum, correct };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.workers.length) {
      this.st.ctl[CTL.CMD] = CMD.QUIT;
      barrier(this.st.ctl, this.st.threads);
      await Promise.all(this.exited);
    }
  }

  /** Stops the workers without the QUIT handshake (after an error mid-command). */
  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
