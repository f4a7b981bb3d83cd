// The child process that runs jco transpile. Transpiling a JS component takes about two seconds
// of CPU and leaves a few hundred MB of fragmented heap behind; in a child process the node keeps
// serving meanwhile, and the memory goes back to the OS when the child exits.

import { transpile } from '@bytecodealliance/jco';

export interface TranspileResult {
  files: Record<string, Uint8Array>;
  /** `[name, kind]`, e.g. `['wasi:http/incoming-handler@0.2.10', 'instance']`. */
  exports: Array<[string, string]>;
}

async function run(bytes: Uint8Array): Promise<TranspileResult> {
  // Instantiation mode: the glue exports instantiate(getCoreModule, imports) and takes
  // WarpGrid's host objects as `imports`. The sync flavour instantiates without awaiting. Core
  // modules stay separate files (base64Cutoff 0), to be compiled once and shared with workers.
  const result = await transpile(bytes, {
    name: 'component',
    instantiation: 'sync',
    base64Cutoff: 0,
    noTypescript: true,
    quiet: true,
  });
  return { files: result.files, exports: result.exports };
}

process.once('message', (bytes: Uint8Array) => {
  run(bytes).then((result) => process.send?.(result, () => process.exit(0)), (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
});
