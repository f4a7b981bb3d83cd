// An artifact is the bytes of a .wasm file: checked, identified by sha256, and compiled once in
// the main thread. Workers receive the compiled module and never compile it again.

import { createHash } from 'node:crypto';

import { WarpError } from '../errors.js';
import type { Abi } from '../config/manifest.js';
import { PREVIEW1, PREVIEW1_FUNCTIONS } from '../../workers/wagi/preview1-host.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];
const CORE_VERSION = [0x01, 0x00, 0x00, 0x00];
const COMPONENT_LAYER = [0x0d, 0x00, 0x01, 0x00];
const KNOWN_PREVIEW1 = new Set<string>(PREVIEW1_FUNCTIONS);

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads the binary's header: a core module and a component differ in their layer field. */
export function detectAbi(bytes: Uint8Array, label: string): Abi {
  if (bytes.length < 8 || !WASM_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: not a WebAssembly binary (no \\0asm header); build it for wasm32-wasi`);
  }
  if (CORE_VERSION.every((b, i) => bytes[4 + i] === b)) return 'wagi';
  if (COMPONENT_LAYER.every((b, i) => bytes[4 + i] === b)) return 'wasi-http';
  throw new WarpError('WARP_E_BAD_ARTIFACT',
    `${label}: unsupported WebAssembly version or layer in the header`);
}

/** Compiles a core module, naming the artifact when V8 refuses it. */
export async function compileCoreModule(bytes: Uint8Array, label: string):
  Promise<WebAssembly.Module> {
  try {
    return await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>);
  } catch (err) {
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: the module does not compile: ${(err as Error).message}`);
  }
}

/** Refuses a WAGI guest that imports what WarpGrid does not provide or lacks its exports. */
export function checkWagiShape(module: WebAssembly.Module, label: string): void {
  for (const imp of WebAssembly.Module.imports(module)) {
    const known = imp.module === PREVIEW1 && imp.kind === 'function' &&
      KNOWN_PREVIEW1.has(imp.name);
    if (!known) {
      throw new WarpError('WARP_E_UNKNOWN_IMPORT', `${label}: imports ${imp.module}.${imp.name} ` +
        `(${imp.kind}), which WarpGrid does not provide; a WAGI guest may import only ` +
        `${PREVIEW1} functions`);
    }
  }
  const exports = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  if (exports.get('_start') !== 'function' || exports.get('memory') !== 'memory') {
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: a WAGI guest must export _start and memory; build it as a WASI command`);
  }
}
