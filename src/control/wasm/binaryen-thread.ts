// A short-lived thread that runs binaryen's log-execution pass. binaryen costs about 1 s to load
// and 80 MB of memory here, so it lives in its own thread, which ends when deploys stop coming,
// and the node's idle memory does not carry it.

import { parentPort } from 'node:worker_threads';

import binaryen from 'binaryen';

export interface PassRequest {
  id: number;
  bytes: Uint8Array;
}

export type PassReply =
  | { id: number; bytes: Uint8Array }
  | { id: number; error: string };

/**
 * The proposals V8 in Node 20 runs. Anything newer (binaryen's compact imports, say) would make
 * binaryen write a module that Node cannot load.
 */
function nodeFeatures(): number {
  const f = binaryen.Features;
  return f.MVP | f.Atomics | f.MutableGlobals | f.NontrappingFPToInt | f.SIMD128 | f.BulkMemory |
    f.SignExt | f.ReferenceTypes | f.Multivalue | f.TailCall | f.ExceptionHandling;
}

function logExecution(bytes: Uint8Array): Uint8Array {
  const module = binaryen.readBinary(bytes);
  try {
    module.setFeatures(nodeFeatures());
    module.runPasses(['log-execution']);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

parentPort?.on('message', ({ id, bytes }: PassRequest) => {
  let reply: PassReply;
  try {
    reply = { id, bytes: logExecution(bytes) };
  } catch (err) {
    reply = { id, error: (err as Error).message };
  }
  parentPort?.postMessage(reply);
});
