// Deploy-time instrumentation that makes a guest interruptible: binaryen's log-execution pass
// puts a call to `env.log_execution` at every function entry and loop header. Each worker links
// that import to a tiny Wasm check that traps when the watchdog has flagged the running request
// (workers/interrupt.ts), so a guest in an endless loop stops without losing its worker.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { WarpError } from '../../errors.js';

export const INTERRUPT_MODULE = 'env';
export const INTERRUPT_FUNCTION = 'log_execution';

type Binaryen = typeof import('binaryen').default;
let binaryen: Promise<Binaryen> | null = null;

/** binaryen is a large module: it is loaded on the first deploy that needs it. */
function loadBinaryen(): Promise<Binaryen> {
  binaryen ??= import('binaryen').then((m) => m.default);
  return binaryen;
}

/**
 * The proposals V8 in Node 20 runs. Anything newer (binaryen's compact imports, say) would make
 * binaryen write a module that Node cannot load.
 */
function nodeFeatures(b: Binaryen): number {
  const f = b.Features;
  return f.MVP | f.Atomics | f.MutableGlobals | f.NontrappingFPToInt | f.SIMD128 | f.BulkMemory |
    f.SignExt | f.ReferenceTypes | f.Multivalue | f.TailCall | f.ExceptionHandling;
}

export async function instrumentForInterrupt(bytes: Uint8Array, label: string):
  Promise<Uint8Array> {
  const b = await loadBinaryen();
  let module;
  try {
    module = b.readBinary(bytes);
  } catch (err) {
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: binaryen cannot read the module: ${(err as Error).message}`);
  }
  try {
    module.setFeatures(nodeFeatures(b));
    module.runPasses(['log-execution']);
    return module.emitBinary();
  } finally {
    module.dispose();
  }
}

/**
 * The instrumented bytes of an artifact, from the cache when this sha256 was seen before:
 * binaryen takes about a second on a 20 KB module here, and a restart should not pay it again.
 */
export async function instrumentCached(bytes: Uint8Array, sha256: string, cacheDir: string,
  label: string): Promise<Uint8Array> {
  const dir = join(cacheDir, 'interrupt');
  const file = join(dir, `${sha256}.wasm`);
  const cached = await readFile(file).catch(() => null);
  if (cached !== null) return cached;

  const out = await instrumentForInterrupt(bytes, label);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, file);
  return out;
}
