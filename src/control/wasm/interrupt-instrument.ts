// Deploy-time instrumentation that makes a guest interruptible: binaryen's log-execution pass
// puts a call to `env.log_execution` at every function entry and loop header. Each worker links
// that import to a tiny Wasm check that traps when the watchdog has flagged the running request
// (workers/interrupt.ts), so a guest in an endless loop stops without losing its worker.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { WarpError } from '../../errors.js';
import type { PassReply, PassRequest } from './binaryen-thread.js';

export const INTERRUPT_MODULE = 'env';
export const INTERRUPT_FUNCTION = 'log_execution';

/** Bumped whenever the instrumentation changes, so cached output from before is not used. */
const INSTRUMENT_VERSION = 2;
/** The binaryen thread ends after this long without a deploy. */
const THREAD_IDLE_MS = 15_000;
const THREAD_FILE = fileURLToPath(new URL('./binaryen-thread.js', import.meta.url));

let thread: Worker | null = null;
let idleTimer: NodeJS.Timeout | null = null;
let nextId = 1;
const waiting = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();

function binaryenThread(): Worker {
  if (idleTimer !== null) clearTimeout(idleTimer);
  if (thread !== null) return thread;

  const started = new Worker(THREAD_FILE);
  started.on('message', (reply: PassReply) => {
    const entry = waiting.get(reply.id);
    waiting.delete(reply.id);
    if ('error' in reply) entry?.reject(new Error(reply.error));
    else entry?.resolve(reply.bytes);
    if (waiting.size === 0) idleTimer = setTimeout(stopThread, THREAD_IDLE_MS).unref();
  });
  started.on('error', (err) => failAll(err));
  started.on('exit', () => {
    if (thread === started) thread = null;
    failAll(new Error('the binaryen thread exited'));
  });
  thread = started;
  return started;
}

function stopThread(): void {
  void thread?.terminate();
  thread = null;
}

function failAll(err: Error): void {
  for (const entry of waiting.values()) entry.reject(err);
  waiting.clear();
}

export async function instrumentForInterrupt(bytes: Uint8Array, label: string):
  Promise<Uint8Array> {
  const id = nextId++;
  const worker = binaryenThread();
  try {
    return await new Promise<Uint8Array>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, bytes } satisfies PassRequest);
    });
  } catch (err) {
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: binaryen cannot instrument the module: ${(err as Error).message}`);
  }
}

/**
 * The instrumented bytes of an artifact, from the cache when this sha256 was seen before:
 * binaryen takes about a second on a 20 KB module here, and a restart should not pay it again.
 */
export async function instrumentCached(bytes: Uint8Array, sha256: string, cacheDir: string,
  label: string): Promise<Uint8Array> {
  const dir = join(cacheDir, 'interrupt');
  const file = join(dir, `${sha256}-v${INSTRUMENT_VERSION}.wasm`);
  const cached = await readFile(file).catch(() => null);
  if (cached !== null) return cached;

  const out = await instrumentForInterrupt(bytes, label);
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, out);
  await rename(tmp, file);
  return out;
}
