// From component bytes to a cache entry: jco transpile in a child process, then WarpGrid's
// deploy-time changes: the glue patched for Node 20, the core modules instrumented to export
// their state so that workers can recycle instances.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { WarpError } from '../../errors.js';
import { INCOMING_HANDLER } from '../../../workers/wasi-http/interfaces.js';
import type { CachedComponent } from './component-cache.js';
import { exportState } from './export-state.js';
import { patchGlue } from './glue-patch.js';
import type { TranspileResult } from './transpile-process.js';

/** The name jco's glue also gives the incoming-handler export. */
const HANDLER_ALIAS = 'incomingHandler';

/** A child that has not answered in this long is stopped; a transpile takes seconds. */
const TRANSPILE_TIMEOUT_MS = 5 * 60 * 1000;

function runTranspile(bytes: Uint8Array, label: string): Promise<TranspileResult> {
  const child = fork(fileURLToPath(new URL('./transpile-process.js', import.meta.url)), [], {
    serialization: 'advanced',
    execArgv: [],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-2000);
  });
  const timer = setTimeout(() => child.kill(), TRANSPILE_TIMEOUT_MS);

  return new Promise<TranspileResult>((resolve, reject) => {
    child.once('message', (result) => resolve(result as TranspileResult));
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: the component could not be transpiled and instrumented ` +
      `(${signal ?? `exit code ${code}`}): ` +
      (stderr.trim() || 'no message'))));
    child.send(bytes);
  }).finally(() => clearTimeout(timer));
}

/**
 * Restoring saved state makes a served instance fresh again only when all of its state is in
 * its core modules. A component that exports anything besides the incoming handler may hand
 * resources to the host, whose glue-side records would outlive a restore; it is not recycled.
 */
function onlyServesHttp(exports: string[]): boolean {
  return exports.every((name) => name === HANDLER_ALIAS ||
    name.startsWith(`${INCOMING_HANDLER}@`));
}

export async function transpileComponent(bytes: Uint8Array, imports: string[],
  pipeline: string, label: string): Promise<CachedComponent> {
  const result = await runTranspile(bytes, label);

  const modules: Record<string, Uint8Array> = {};
  let glue: string | null = null;
  let statesFit = true;
  for (const [name, file] of Object.entries(result.files)) {
    if (name.endsWith('.wasm')) {
      const instrumented = exportState(file);
      modules[name] = instrumented.bytes;
      if (instrumented.unfit !== null) statesFit = false;
    } else if (name === 'component.js') {
      glue = Buffer.from(file).toString('utf8');
    }
  }
  if (glue === null) throw new Error('jco transpile produced no component.js');

  const exports = result.exports.map(([name]) => name);
  const recycle = statesFit && onlyServesHttp(exports);
  return { pipeline, modules, glue: patchGlue(glue), imports, exports, recycle };
}
