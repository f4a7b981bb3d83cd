// The worker thread: piscina calls the default export once per request frame. Deploys, removals
// and stats arrive on a control port of our own, which the worker hands to the main thread at
// start-up, so they never queue behind requests.

import { getHeapStatistics } from 'node:v8';
import { MessageChannel, parentPort, threadId, workerData } from 'node:worker_threads';

import { Piscina } from 'piscina';

import { WarpError, warpCodeOf } from '../src/errors.js';
import { createLogger } from '../src/log.js';
import type { AppSpec, ControlMessage, ControlReply, WorkerStats } from './app-spec.js';
import {
  decodeHead, encodeFrame, encodeFrameWithBody, frameBody, frameSeq, setFrameSeq, toGuestRequest,
  type RequestHead, type ResponseHead,
} from './frame.js';
import { WagiApp, type GuestApp } from './guest-app.js';
import { interrupter } from './interrupt.js';
import type { GuestResponse } from './guest-types.js';

interface WorkerOptions {
  logLevel: string;
}

const options = workerData as WorkerOptions;
const log = createLogger(options.logLevel, { worker: threadId });
const apps = new Map<number, GuestApp>();
/** Request frames served here; read by the 'stats' control op. */
let served = 0;

export interface RequestTask {
  frame: Uint8Array;
}

/** The piscina lane: one task per request. */
export default async function serve(task: RequestTask): Promise<unknown> {
  return Piscina.move(await serveFrame(task.frame));
}

/** Runs one request frame and returns its response frame, with the same sequence number. */
function serveFrame(frame: Uint8Array): Uint8Array | Promise<Uint8Array> {
  const seq = frameSeq(frame);
  const head = decodeHead<RequestHead>(frame);
  served++;
  const app = apps.get(head[0]);
  if (app === undefined) {
    return errorFrame(seq, 'WARP_E_WORKER_LOST', 'the app is not loaded on this worker; retry');
  }

  let pending: GuestResponse | Promise<GuestResponse>;
  interrupter.begin(seq);
  try {
    pending = app.handle(toGuestRequest(head, frameBody(frame)));
  } catch (err) {
    return guestFailure(seq, app.spec, head[12], err);
  } finally {
    interrupter.end();
  }
  if (pending instanceof Promise) {
    return pending.then((response) => responseFrame(seq, response),
      (err: unknown) => guestFailure(seq, app.spec, head[12], err));
  }
  return responseFrame(seq, pending);
}

function responseFrame(seq: number, response: GuestResponse): Uint8Array {
  const out: ResponseHead = [response.status, response.headers, '', ''];
  const frame = encodeFrameWithBody(out, response.body);
  setFrameSeq(frame, seq);
  return frame;
}

function errorFrame(seq: number, code: string, message: string): Uint8Array {
  const head: ResponseHead = [0, [], code, message];
  const frame = encodeFrame(head, 0).frame;
  setFrameSeq(frame, seq);
  return frame;
}

/** Maps what a guest threw to the code the client sees; traps never leak a stack. */
function guestFailure(seq: number, spec: AppSpec, requestId: string, err: unknown): Uint8Array {
  if (interrupter.wanted(seq)) {
    log.warn({ app: spec.name, requestId, ms: spec.limits.timeout }, 'guest interrupted');
    return errorFrame(seq, 'WARP_E_TIMEOUT', `app '${spec.name}' was stopped at its deadline ` +
      `(limits.timeout ${spec.limits.timeout} ms)`);
  }
  const code = warpCodeOf(err);
  if (code !== null) {
    log.warn({ app: spec.name, requestId, code }, (err as Error).message);
    return errorFrame(seq, code, (err as Error).message);
  }

  const reason = err instanceof RangeError ? 'stack overflow' : describeTrap(err);
  log.warn({ app: spec.name, requestId, reason }, 'guest trapped');
  return errorFrame(seq, 'WARP_E_GUEST_TRAP', `the guest trapped: ${reason}`);
}

function describeTrap(err: unknown): string {
  if (err instanceof WebAssembly.RuntimeError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

async function deploy(spec: AppSpec, module: WebAssembly.Module | null,
  component: unknown): Promise<void> {
  let app: GuestApp;
  if (spec.abi === 'wagi') {
    if (module === null) throw new WarpError('WARP_E_BAD_ARTIFACT', `${spec.name}: no module`);
    app = new WagiApp(spec, module, log);
  } else {
    // Component support is loaded on a worker's first component, so WAGI-only workers stay small.
    const { loadComponentApp } = await import('./component-app.js');
    app = await loadComponentApp(spec, component, log);
  }
  apps.get(spec.key)?.close();
  apps.set(spec.key, app);
}

function stats(): WorkerStats {
  const list = [...apps.values()].map((app) => ({
    key: app.spec.key, name: app.spec.name, warm: app.pool.warm, busy: app.pool.busy,
    made: app.pool.made.snapshot(),
  }));
  return { apps: list, requests: served, heapUsed: getHeapStatistics().used_heap_size };
}

async function onControl(msg: ControlMessage): Promise<ControlReply> {
  switch (msg.op) {
    case 'deploy':
      await deploy(msg.spec, msg.module, msg.component);
      return { op: 'ok', id: msg.id };
    case 'remove':
      apps.get(msg.key)?.close();
      apps.delete(msg.key);
      return { op: 'ok', id: msg.id };
    case 'stats':
      return { op: 'ok', id: msg.id, stats: stats() };
  }
}

/** The port lane: request frames in, response frames out, each buffer transferred. */
const requests = new MessageChannel();
requests.port1.on('message', (frame: Uint8Array) => {
  const out = serveFrame(frame);
  if (out instanceof Promise) void out.then(postResponse);
  else postResponse(out);
});

function postResponse(frame: Uint8Array): void {
  requests.port1.postMessage(frame, [frame.buffer as ArrayBuffer]);
}

const control = new MessageChannel();
control.port1.on('message', (msg: ControlMessage) => {
  onControl(msg).then(
    (reply) => control.port1.postMessage(reply),
    (err: unknown) => control.port1.postMessage({
      op: 'error', id: msg.id, code: warpCodeOf(err) ?? 'WARP_E_BAD_ARTIFACT',
      message: (err as Error).message,
    } satisfies ControlReply),
  );
});
parentPort?.postMessage({
  warpControl: control.port2, warpRequests: requests.port2, threadId,
  interruptFlags: interrupter.memory.buffer,
}, [control.port2, requests.port2]);
