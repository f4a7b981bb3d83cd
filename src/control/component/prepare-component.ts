// Deploying a WASI-HTTP component: check its imports, transpile it with jco (or take the result
// from the cache), and compile its core modules once, here in the main thread. The artifact is
// posted to workers, which share the compiled code and only instantiate.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { WarpError } from '../../errors.js';
import { INCOMING_HANDLER, policyFor, unversioned } from '../../../workers/wasi-http/interfaces.js';
import { componentImports, isComponent } from './component-binary.js';
import { readCached, writeCached, type CachedComponent } from './component-cache.js';
import { GLUE_PATCH_VERSION, patchGlue } from './glue-patch.js';
import type { TranspileResult } from './transpile-worker.js';

export { isComponent };

/** A transpiled component, ready to post to a worker (it survives structured clone). */
export interface ComponentArtifact {
  /** Compiled core modules, by the name the glue asks for. */
  modules: Record<string, WebAssembly.Module>;
  /** ESM source of jco's instantiation glue: `export function instantiate(…)`. */
  glue: string;
  /** The interfaces the component imports, e.g. `wasi:cli/environment@0.2.3`. */
  imports: string[];
  /** Whether the transpiled form came from the cache. */
  cacheHit: boolean;
}

/** A component that imports an interface WarpGrid does not provide cannot be deployed. */
export class UnknownImportError extends WarpError {
  constructor(label: string, readonly importName: string) {
    super('WARP_E_UNKNOWN_IMPORT', `${label}: imports ${importName}, which WarpGrid does not ` +
      'provide; remove it from the component\'s world, or target a world WarpGrid serves ' +
      '(wasi:http/proxy@0.2.x with wasi:cli, wasi:clocks, wasi:random, wasi:io)');
  }
}

async function jcoVersion(): Promise<string> {
  const api = new URL(import.meta.resolve('@bytecodealliance/jco'));
  const pkg = JSON.parse(await readFile(new URL('../package.json', api), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function checkImports(imports: string[], label: string): void {
  for (const name of imports) {
    if (policyFor(name) === null) throw new UnknownImportError(label, name);
  }
}

function checkExports(exports: string[], label: string): void {
  const serves = exports.some((name) => unversioned(name) === INCOMING_HANDLER &&
    name.startsWith(`${INCOMING_HANDLER}@0.2.`));
  if (serves) return;
  throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: does not export ` +
    `${INCOMING_HANDLER}@0.2.x; build it for the wasi:http/proxy world`);
}

function runTranspile(bytes: Uint8Array, label: string): Promise<TranspileResult> {
  const worker = new Worker(new URL('./transpile-worker.js', import.meta.url),
    { workerData: bytes });
  return new Promise((resolve, reject) => {
    worker.once('message', (result: TranspileResult) => resolve(result));
    worker.once('error', (err) => reject(new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: jco could not transpile the component: ${err.message}`)));
    worker.once('exit', (code) => reject(new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: the transpile worker exited with code ${code} before it answered`)));
  });
}

async function transpileToEntry(bytes: Uint8Array, imports: string[], pipeline: string,
  label: string): Promise<CachedComponent> {
  const result = await runTranspile(bytes, label);
  const modules: Record<string, Uint8Array> = {};
  let glue: string | null = null;
  for (const [name, file] of Object.entries(result.files)) {
    if (name.endsWith('.wasm')) modules[name] = file;
    else if (name === 'component.js') glue = Buffer.from(file).toString('utf8');
  }
  if (glue === null) throw new Error('jco transpile produced no component.js');
  const exports = result.exports.map(([name]) => name);
  return { pipeline, modules, glue: patchGlue(glue), imports, exports };
}

export async function prepareComponent(bytes: Uint8Array, sha256: string, cacheDir: string,
  label: string): Promise<ComponentArtifact> {
  if (!isComponent(bytes)) {
    throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: not a WebAssembly component`);
  }
  const imports = componentImports(bytes);
  checkImports(imports, label);

  const pipeline = `jco@${await jcoVersion()}+glue-patch@${GLUE_PATCH_VERSION}`;
  const dir = join(cacheDir, sha256);
  let entry = await readCached(dir, pipeline);
  const cacheHit = entry !== null;
  if (entry === null) {
    entry = await transpileToEntry(bytes, imports, pipeline, label);
    checkExports(entry.exports, label);
    await writeCached(dir, entry);
  }
  checkExports(entry.exports, label);

  const modules: Record<string, WebAssembly.Module> = {};
  await Promise.all(Object.entries(entry.modules).map(async ([name, code]) => {
    modules[name] = await WebAssembly.compile(code as Uint8Array<ArrayBuffer>);
  }));
  return { modules, glue: entry.glue, imports, cacheHit };
}
