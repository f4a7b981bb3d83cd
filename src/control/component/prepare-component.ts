// Deploying a WASI-HTTP component: check its imports, transpile it with jco (or take the result
// from the cache), and compile its core modules once, here in the main thread. The artifact is
// posted to workers, which share the compiled code and only instantiate.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { WarpError } from '../../errors.js';
import { INCOMING_HANDLER, isKnownImport } from '../../../workers/wasi-http/interfaces.js';
import { componentImports, isComponent } from './component-binary.js';
import { readCached, writeCached } from './component-cache.js';
import { GLUE_PATCH_VERSION } from './glue-patch.js';
import { limitMemory } from './memory-limit.js';
import { transpileComponent } from './transpile-component.js';

export { isComponent };

/** Bumped when WarpGrid's changes to transpiled output change, so cached entries are remade. */
const PIPELINE_VERSION = 2;

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
  /** Whether a worker may make a served instance fresh again by restoring its saved state. */
  recycle: boolean;
}

/** A component that imports an interface WarpGrid does not provide cannot be deployed. */
export class UnknownImportError extends WarpError {
  constructor(label: string, readonly importName: string) {
    super('WARP_E_UNKNOWN_IMPORT', `${label}: imports ${importName}, which WarpGrid does not ` +
      'provide; remove it from the component\'s world, or target a world WarpGrid serves ' +
      '(wasi:http/proxy@0.2.x, with wasi:cli, wasi:clocks, wasi:random and wasi:io)');
  }
}

async function pipelineName(): Promise<string> {
  const api = new URL(import.meta.resolve('@bytecodealliance/jco'));
  const pkg = JSON.parse(await readFile(new URL('../package.json', api), 'utf8')) as {
    version: string;
  };
  return `jco@${pkg.version}+glue@${GLUE_PATCH_VERSION}+warp@${PIPELINE_VERSION}`;
}

function importsOf(bytes: Uint8Array, label: string): string[] {
  try {
    return componentImports(bytes);
  } catch (err) {
    throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: malformed component binary ` +
      `(${(err as Error).message}); rebuild it with a current toolchain`);
  }
}

function checkImports(imports: string[], label: string): void {
  for (const name of imports) {
    if (!isKnownImport(name)) throw new UnknownImportError(label, name);
  }
}

function checkExports(exports: string[], label: string): void {
  if (exports.some((name) => name.startsWith(`${INCOMING_HANDLER}@0.2.`))) return;
  throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: does not export ` +
    `${INCOMING_HANDLER}@0.2.x; build it for the wasi:http/proxy world`);
}

/** Compiles the core modules, each with its memory capped at limits.memory. */
async function compileAll(modules: Record<string, Uint8Array>, memoryLimit: number,
  label: string): Promise<Record<string, WebAssembly.Module>> {
  const compiled: Record<string, WebAssembly.Module> = {};
  await Promise.all(Object.entries(modules).map(async ([name, code]) => {
    const limited = limitMemory(code, memoryLimit, `${label} (core module ${name})`);
    compiled[name] = await WebAssembly.compile(limited as Uint8Array<ArrayBuffer>);
  }));
  return compiled;
}

/**
 * Prepares a component for workers. `cacheDir/<sha256>/` keeps the transpiled form, so that a
 * second deploy or a restart with the same bytes does not transpile again; limits.memory is
 * applied after the cache, so apps that share a component may set different limits.
 */
export async function prepareComponent(bytes: Uint8Array, sha256: string, cacheDir: string,
  label: string, memoryLimit: number): Promise<ComponentArtifact> {
  if (!isComponent(bytes)) {
    throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: not a WebAssembly component`);
  }
  const imports = importsOf(bytes, label);
  checkImports(imports, label);

  if (!/^[\w-]+$/.test(sha256)) throw new Error(`not a sha256 digest: ${sha256}`);
  const pipeline = await pipelineName();
  const dir = join(cacheDir, sha256);
  let entry = await readCached(dir, pipeline);
  const cacheHit = entry !== null;
  if (entry === null) {
    entry = await transpileComponent(bytes, imports, pipeline, label);
    await writeCached(dir, entry);
  }
  checkExports(entry.exports, label);

  const modules = await compileAll(entry.modules, memoryLimit, label);
  return { modules, glue: entry.glue, imports, cacheHit, recycle: entry.recycle };
}
