// wasi:io for component guests: errors, pollables, and the byte streams that carry request
// bodies, response bodies and stdio. Streams are in memory and always ready; a guest waits only
// on clock pollables and on outgoing HTTP requests. Spec: WebAssembly/wasi-io 0.2.
//
// jco's glue turns a thrown plain object into the `err` case of a WIT result, so errors are
// thrown as constant objects: no Error is built and no stack is captured on the hot path.
//
// The guest runs synchronously on the worker thread (Node 20 has no JSPI to suspend it), so a
// wait blocks the thread: Atomics.wait on a timer, or on the word that the outgoing-request
// thread bumps when a response is in. Waits end at the request's deadline, and sooner when the
// dispatcher's watchdog flags the request, so a waiting guest never outlives its worker's grace.

import { WarpError } from '../../src/errors.js';
import { interrupter } from '../interrupt.js';

/** The `closed` case of wasi:io/streams stream-error. */
export const STREAM_CLOSED = Object.freeze({ tag: 'closed' });

/** How many bytes a guest may write at once; a generous permit so it never waits on us. */
const WRITE_PERMIT = 1024n * 1024n;
/** Longest single wait; between waits the watchdog's flag is read. */
const WAIT_SLICE_MS = 20;
/** wasi:io/poll takes at most this many pollables, as the spec allows hosts to cap it. */
const MAX_POLLABLES = 4096;

/** Where a request's deadline lives while its guest runs; set by the component instance. */
export const clock = { deadlineMs: Infinity };

/** Where completions of outgoing I/O come from; see outbound-link.ts. */
export interface IoSource {
  /** Whether something is in flight that will complete (or fail) by itself. */
  readonly busy: boolean;
  /** Takes in what has completed, without waiting. */
  drain(): void;
  /** Blocks until something completes or `untilMs` passes, whichever is first. */
  waitUntil(untilMs: number): void;
}

/** The worker's outgoing I/O, once a guest has sent something; null until then. */
export const io: { source: IoSource | null } = { source: null };

/** wasi:io/error `error`: carries a message the guest can read with to-debug-string. */
export class IoError {
  constructor(private readonly message: string) {}

  toDebugString(): string {
    return this.message;
  }
}

/** The `last-operation-failed` case, with an error the guest can read. */
export function operationFailed(message: string): { tag: string; val: IoError } {
  return { tag: 'last-operation-failed', val: new IoError(message) };
}

/**
 * wasi:io/poll `pollable`. The base pollable is ready at a monotonic time: at once for
 * in-memory streams, later for clocks.
 */
export class Pollable {
  /** Monotonic time in ms at which this pollable becomes ready. */
  readonly readyAtMs: number;

  constructor(readyAtMs = 0) {
    this.readyAtMs = readyAtMs;
  }

  isReady(nowMs: number): boolean {
    return this.readyAtMs <= nowMs;
  }

  ready(): boolean {
    io.source?.drain();
    return this.isReady(performance.now());
  }

  block(): void {
    poll([this]);
  }
}

/** A pollable that is ready once I/O has settled its target, e.g. an outgoing response. */
export class SettledPollable extends Pollable {
  constructor(private readonly target: { readonly settled: boolean }) {
    super(Infinity);
  }

  override isReady(): boolean {
    return this.target.settled;
  }
}

/** Whether the dispatcher's watchdog has asked to stop the request running now. */
function stopWanted(): boolean {
  return interrupter.wanted(Atomics.load(interrupter.words, 1));
}

function pastDeadline(what: string): WarpError {
  return new WarpError('WARP_E_TIMEOUT', `the guest was still waiting on ${what} at the ` +
    'request deadline; raise limits.timeout or make the guest wait less');
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the worker until `whenMs`, the way a synchronous guest expects. A wait that would end
 * past the request's deadline fails the request instead of holding the worker.
 */
function sleepUntil(whenMs: number): void {
  if (whenMs > clock.deadlineMs) {
    throw new WarpError('WARP_E_TIMEOUT',
      'the guest waited on a timer that ends after the request deadline (limits.timeout)');
  }
  // Atomics.wait may wake a little early against performance.now(); wait out the rest.
  for (let now = performance.now(); now < whenMs; now = performance.now()) {
    if (stopWanted()) throw pastDeadline('a timer');
    Atomics.wait(sleeper, 0, 0, Math.min(whenMs - now, WAIT_SLICE_MS));
  }
}

/** Waits for outgoing I/O (or a timer at `timerMs`), up to the deadline. */
function waitForIo(source: IoSource, timerMs: number): void {
  const until = Math.min(timerMs, clock.deadlineMs);
  if (performance.now() >= clock.deadlineMs || stopWanted()) {
    throw pastDeadline('an outgoing request');
  }
  source.waitUntil(Math.min(until, performance.now() + WAIT_SLICE_MS));
}

/** The indexes of the ready pollables, or null when none is. */
function readyIndexes(pollables: Pollable[], now: number): Uint32Array | null {
  let count = 0;
  for (const p of pollables) if (p.isReady(now)) count++;
  if (count === 0) return null;
  const ready = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < pollables.length; i++) {
    if ((pollables[i] as Pollable).isReady(now)) ready[at++] = i;
  }
  return ready;
}

/** wasi:io/poll `poll`: the indexes of the ready pollables, waiting for the first one if none. */
export function poll(pollables: Pollable[]): Uint32Array {
  if (pollables.length === 0 || pollables.length > MAX_POLLABLES) {
    throw new WarpError('WARP_E_GUEST_TRAP',
      `poll on ${pollables.length} pollables; wasi:io/poll takes 1 to ${MAX_POLLABLES}`);
  }
  for (;;) {
    io.source?.drain();
    const ready = readyIndexes(pollables, performance.now());
    if (ready !== null) return ready;

    let earliest = Infinity;
    for (const p of pollables) earliest = Math.min(earliest, p.readyAtMs);
    const source = io.source;
    if (source !== null && source.busy) waitForIo(source, earliest);
    else if (earliest !== Infinity) sleepUntil(earliest);
    else {
      throw new WarpError('WARP_E_GUEST_TRAP', 'the guest waited on I/O that cannot complete ' +
        '(an outgoing request whose body it never finished)');
    }
  }
}

/** wasi:io/streams `input-stream` over bytes already in memory (a request body, or stdin). */
export class InputStream {
  private offset = 0;

  constructor(private readonly bytes: Uint8Array) {}

  read(len: bigint): Uint8Array {
    const remaining = this.bytes.length - this.offset;
    if (remaining === 0) throw STREAM_CLOSED;
    const n = Math.min(remaining, Number(len));
    const chunk = this.bytes.subarray(this.offset, this.offset + n);
    this.offset += n;
    return chunk;
  }

  blockingRead(len: bigint): Uint8Array {
    return this.read(len);
  }

  skip(len: bigint): bigint {
    return BigInt(this.read(len).length);
  }

  blockingSkip(len: bigint): bigint {
    return this.skip(len);
  }

  subscribe(): Pollable {
    return new Pollable();
  }
}

/**
 * wasi:io/streams `output-stream`. Subclasses say where the bytes go (a response body, a log).
 * Writes complete at once, so flush has nothing to wait for.
 */
export abstract class OutputStream {
  protected abstract accept(bytes: Uint8Array): void;

  checkWrite(): bigint {
    return WRITE_PERMIT;
  }

  write(contents: Uint8Array): void {
    this.accept(contents);
  }

  blockingWriteAndFlush(contents: Uint8Array): void {
    this.accept(contents);
  }

  flush(): void {}

  blockingFlush(): void {}

  subscribe(): Pollable {
    return new Pollable();
  }

  writeZeroes(len: bigint): void {
    if (len > WRITE_PERMIT) throw operationFailed('write-zeroes longer than check-write permits');
    this.accept(new Uint8Array(Number(len)));
  }

  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
  }

  splice(src: InputStream, len: bigint): bigint {
    const chunk = src.read(len);
    this.accept(chunk.slice());
    return BigInt(chunk.length);
  }

  blockingSplice(src: InputStream, len: bigint): bigint {
    return this.splice(src, len);
  }
}

/** wasi:io/error, wasi:io/poll and wasi:io/streams as jco's glue expects them. */
export function ioInterfaces(): Record<string, object> {
  return {
    'wasi:io/error': { Error: IoError },
    'wasi:io/poll': { Pollable, poll },
    'wasi:io/streams': { InputStream, OutputStream },
  };
}
