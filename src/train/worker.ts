// A training worker thread: attaches to the shared state and runs commands until QUIT.
// The main thread is thread 0; workers are threads 1..T-1 (pool.ts).

import { parentPort, workerData } from 'node:worker_threads';
import { threadWork } from './engine.js';
import { attachState, barrier, CMD, type StateBuffers } from './state.js';

const { buffers, module, index } = workerData as { buffers: StateBuffers; module: WebAssembly.Module; index: number };
const st = attachState(buffers);
const work = threadWork(st, index, module);
parentPort!.postMessage('ready');
for (;;) {
  barrier(st.ctl, st.threads); // start of a command
  const cmd = work.run();
  if (cmd === CMD.QUIT) break;
  if (cmd !== CMD.STEP) barrier(st.ctl, st.threads); // end of a command (a step ends at the next start)
}
