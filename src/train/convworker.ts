// A conv training worker thread (convpool.ts): builds the model from the seed, then runs
// commands on the shared arrays until QUIT. Workers are threads 1..T-1.

import { parentPort, workerData } from 'node:worker_threads';
import { CMD, convThread, type ConvShared } from './convpool.js';
import { barrier } from './state.js';

const { sh, index, module } = workerData as { sh: ConvShared; index: number; module?: WebAssembly.Module };
const work = convThread(sh, index, module);
parentPort!.postMessage('ready');
for (;;) {
  barrier(sh.ctl, sh.threads);
  const cmd = work.run();
  if (cmd === CMD.QUIT) break;
  barrier(sh.ctl, sh.threads);
}
