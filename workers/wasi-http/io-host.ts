// wasi:io for component guests: errors, pollables, and the byte streams that carry request
// bodies, response bodies and stdio. Everything a guest waits on is in memory, so every stream
// is always ready; only clock pollables make a guest wait. Spec: WebAssembly/wasi-io 0.2.
//
// jco's glue turns a thrown plain object into the `err` case of a WIT result, so errors are
// thrown as constant objects: no Error is built and no stack is captured on the hot path.

import { WarpError } from '../../src/errors.js';

/** The `closed` case of wasi:io/streams stream-error. */
export const STREAM_CLOSED = Object.freeze({ tag: 'closed' });

/** How many bytes a guest may write at once; a generous permit so it never waits on us. */
const WRITE_PERMIT = 1024n * 1024n;

/** Where a request's deadline lives while its guest runs; set by the component instance. */
export const clock = { deadlineMs: Infinity };

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

/** wasi:io/poll `pollable`. The base pollable is ready at once (in-memory streams). */
export class Pollable {
  /** Monotonic time in ms at which this pollable becomes ready. */
  readonly readyAtMs: number;

  constructor(readyAtMs = 0) {
    this.readyAtMs = readyAtMs;
  }

  ready(): boolean {
    return this.readyAtMs <= performance.now();
  }

  block(): void {
    sleepUntil(this.readyAtMs);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the worker until `whenMs`, the way a synchronous guest expects. A wait that would end
 * past the request's deadline fails the request instead of holding the worker.
 */
function sleepUntil(whenMs: number): void {
  if (whenMs <= performance.now()) return;
  if (whenMs > clock.deadlineMs) {
    throw new WarpError('WARP_E_TIMEOUT',
      'the guest waited on a timer that ends after the request deadline (limits.timeout)');
  }
  // Atomics.wait may wake a little early against performance.now(); wait out the rest.
  for (let now = performance.now(); now < whenMs; now = performance.now()) {
    Atomics.wait(sleeper, 0, 0, whenMs - now);
  }
}

/** wasi:io/poll `poll`: the indexes of the ready pollables, waiting for the first one if none. */
export function poll(pollables: Pollable[]): Uint32Array {
  let earliest = Infinity;
  for (const p of pollables) earliest = Math.min(earliest, p.readyAtMs);
  if (pollables.length === 0) throw new WarpError('WARP_E_GUEST_TRAP', 'poll on an empty list');
  sleepUntil(earliest);

  const now = performance.now();
  let count = 0;
  for (const p of pollables) if (p.readyAtMs <= now) count++;
  const ready = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < pollables.length; i++) {
    if ((pollables[i] as Pollable).readyAtMs <= now) ready[at++] = i;
  }
  return ready;
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
