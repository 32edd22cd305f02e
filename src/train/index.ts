// The trainer's public face: train(options, onProgress) → { netlist, history, ... }, the
// default recipe, and the pieces tests and benches drive directly.

export { train, createTrainer, netlistAccuracy, type TrainResult, type Trainer, type ProgressEvent } from './trainer.js';
export { defaultRecipe, PRESETS, withPreset, resolveConfig, defaultThreads, type TrainOptions, type TrainConfig } from './config.js';
export type { EpochRecord } from './checkpoint.js';
export { gateUsage, type GateUsage } from './usage.js';
