// A worker thread of WasmInference.evaluateParallel: instantiates the posted module once and
// answers each posted share of a batch with its classes (and scores).

import { parentPort, workerData } from 'node:worker_threads';
import type { WasmLayout } from './wasm.js';
import { WasmRunner, type InferenceInput } from './wasm-runtime.js';

const { module, layout } = workerData as { module: WebAssembly.Module; layout: WasmLayout };
const runner = new WasmRunner(module, layout);

parentPort!.on('message', (m: { input: InferenceInput; count: number; scores: boolean }) => {
  const classes = new Int32Array(m.count);
  const scores = m.scores ? new Int32Array(m.count * layout.classes) : null;
  runner.evaluateRange(m.input, 0, m.count, classes, scores);
  const transfer = scores ? [classes.buffer, scores.buffer] : [classes.buffer];
  parentPort!.postMessage({ classes, scores }, transfer);
});
