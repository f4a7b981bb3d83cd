// The child process that runs jco transpile, then instruments the core modules so that a guest
// busy in a loop can be interrupted at its deadline (interrupt-instrument.ts). Transpiling a JS
// component takes about two seconds of CPU and instrumenting its 13 MB engine module about 15 s
// and 450 MB; in a child process the node keeps serving meanwhile, and the memory goes back to
// the OS when the child exits.

import { transpile } from '@bytecodealliance/jco';

import { readSections } from '../wasm/binary-reader.js';
import { instrumentForInterrupt } from '../wasm/interrupt-instrument.js';

export interface TranspileResult {
  files: Record<string, Uint8Array>;
  /** `[name, kind]`, e.g. `['wasi:http/incoming-handler@0.2.10', 'instance']`. */
  exports: Array<[string, string]>;
}

const CODE_SECTION = 10;

/** Adds interrupt checks to each core module that has code; glue and other files pass as is. */
async function instrumented(files: Record<string, Uint8Array>):
  Promise<Record<string, Uint8Array>> {
  const out: Record<string, Uint8Array> = {};
  for (const [name, file] of Object.entries(files)) {
    const hasCode = name.endsWith('.wasm') &&
      readSections(file).some((s) => s.id === CODE_SECTION);
    out[name] = hasCode ? await instrumentForInterrupt(file, `core module ${name}`) : file;
  }
  return out;
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
  return { files: await instrumented(result.files), exports: result.exports };
}

process.once('message', (bytes: Uint8Array) => {
  run(bytes).then((result) => process.send?.(result, () => process.exit(0)), (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
});
