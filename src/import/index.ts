// import/index.ts — the import stage's entry point: checkpoint bytes in, lgn-netlist out
// (v1 from difflogic-family checkpoints, v2 from torchlogix's). Reading (zip.ts → pickle.ts →
// checkpoint.ts) never runs code from the file; mapping (difflogic.ts, torchlogix.ts) checks
// every shape and index. Nothing here touches the file system.

import { loadCheckpoint } from './checkpoint.js';
import { importDifflogic, type ImportOptions, type ImportResult } from './difflogic.js';
import { importTorchlogix, isTorchlogix } from './torchlogix.js';

export type { Activation, ImportFormat, ImportOptions, ImportReport, ImportResult } from './difflogic.js';
export type { TorchlogixParametrization } from './torchlogix.js';

/** Converts a torch.save checkpoint (its bytes; `source` names it in errors) to a netlist. */
export function importCheckpoint(bytes: Uint8Array, source: string, opts: ImportOptions): ImportResult {
  const ckpt = loadCheckpoint(bytes, source);
  return isTorchlogix(ckpt) ? importTorchlogix(ckpt, opts) : importDifflogic(ckpt, opts);
}
