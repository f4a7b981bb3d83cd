// Runs jco transpile on a worker thread. Transpiling a JS component takes about two seconds of
// CPU; off the main thread, the node keeps serving while a component deploys.

import { parentPort, workerData } from 'node:worker_threads';

import { transpile } from '@bytecodealliance/jco';

export interface TranspileResult {
  files: Record<string, Uint8Array>;
  /** `[name, kind]`, e.g. `['wasi:http/incoming-handler@0.2.10', 'instance']`. */
  exports: Array<[string, string]>;
}

const bytes = workerData as Uint8Array;

// Instantiation mode: the glue exports instantiate(getCoreModule, imports) and takes WarpGrid's
// host objects as `imports`. The sync flavour instantiates without awaiting. Core modules stay
// separate files (base64Cutoff 0), so they can be compiled once and shared with the workers.
const result = await transpile(bytes, {
  name: 'component',
  instantiation: 'sync',
  base64Cutoff: 0,
  noTypescript: true,
  quiet: true,
});

const reply: TranspileResult = { files: result.files, exports: result.exports };
const buffers = new Set(Object.values(result.files).map((f) => f.buffer as ArrayBuffer));
parentPort?.postMessage(reply, [...buffers]);
