// One request on the front: it gathers the body under the app's cap, hands the frame to the
// dispatcher, and writes the response frame (or a JSON error) back, corked, unless the client
// has gone.

import { STATUS_CODES } from 'node:http';

import type { HttpResponse } from 'uWebSockets.js';

import type { AppRoute } from '../dispatch/app-route.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { Exchange } from '../dispatch/exchange.js';
import { ERROR_CODES, WarpError, type WarpErrorCode } from '../errors.js';
import type { AppCounters, RequestStats } from '../ops/request-stats.js';
import {
  decodeHead, encodeFrame, frameBody, type RequestHead, type ResponseHead,
} from '../../workers/frame.js';

/** Bodies above this size are written with backpressure instead of one copy into uWS. */
const STREAM_THRESHOLD = 256 * 1024;
const STATUS_LINES: string[] = [];
for (let code = 100; code <= 599; code++) {
  STATUS_LINES[code] = `${code} ${STATUS_CODES[code] ?? 'Status'}`;
}

export function statusLine(code: number): string {
  return STATUS_LINES[code] ?? `${code} Status`;
}

/**
 * Ends a HEAD response: the length of the body GET would have sent, and no body. uWS 20.30's
 * endWithoutBody(length) leaves the response unfinished and then drops the connection, which
 * breaks keep-alive (a proxy's next request on it fails), so the length is written as a header
 * and endWithoutBody is called without arguments.
 */
export function endHead(res: HttpResponse, length: number, close: boolean): void {
  res.writeHeader('content-length', String(length));
  if (close) res.writeHeader('connection', 'close');
  res.endWithoutBody();
}

/** Exchanges not yet answered, uploads included, so that a drain waits for all of them. */
export const openExchanges = { count: 0 };

export class FrontExchange implements Exchange {
  frame: Uint8Array = new Uint8Array(0);
  deadline: number;
  link: Exchange['link'] = null;
  seq = 0;
  dispatchedAt = 0;
  stopAskedAt = 0;
  finished = false;
  private bodyOffset = 0;
  private received = 0;
  private expected = 0;
  private readonly startedAt = performance.now();
  private readonly counters: AppCounters;

  constructor(
    private readonly res: HttpResponse,
    readonly route: AppRoute,
    private readonly head: RequestHead,
    private readonly isHead: boolean,
    readonly requestId: string,
    private readonly dispatcher: Dispatcher,
    private readonly stats: RequestStats,
  ) {
    this.deadline = this.startedAt + route.spec.limits.timeout;
    this.counters = stats.forApp(route.name);
    openExchanges.count++;
  }

  onAborted(): void {
    this.settle();
  }

  /** Marks the exchange answered, or abandoned by its client, exactly once. */
  private settle(): void {
    if (this.finished) return;
    this.finished = true;
    openExchanges.count--;
  }

  /** Starts now for a request without a body, or once the body has arrived. */
  begin(contentLength: number | null): void {
    if (contentLength === 0) {
      this.frame = encodeFrame(this.head, 0).frame;
      this.dispatcher.submit(this);
      return;
    }
    if (contentLength !== null) this.allocate(contentLength);
    this.res.onData((chunk, isLast) => this.onChunk(chunk, isLast));
  }

  respond(frame: Uint8Array): void {
    if (this.finished) return;
    const head = decodeHead<ResponseHead>(frame);
    if (head[2] !== '') return this.fail(head[2] as WarpErrorCode, head[3]);
    this.settle();
    this.res.cork(() => this.write(head[0], head[1], frameBody(frame)));
    this.record(head[0]);
  }

  /** Answers with a JSON error; `close` ends the connection when the body was not read. */
  fail(code: WarpErrorCode, message: string, close = false): void {
    if (this.finished) return;
    this.settle();
    const err = new WarpError(code in ERROR_CODES ? code : 'WARP_E_WORKER_LOST', message);
    const headers = ['content-type', 'application/json'];
    if (err.status === 503) headers.push('retry-after', '1');
    this.res.cork(() => this.write(err.status, headers, Buffer.from(err.toBody()), close));
    this.stats.failed(this.counters, err.code, err.status, this.requestId, message);
    this.record(err.status);
  }

  /** Counts the answer once it is written; the access log costs nothing while it is off. */
  private record(status: number): void {
    const ms = this.stats.answered(this.counters, status, this.startedAt);
    if (this.stats.accessLog === null) return;
    const head = this.head;
    const path = head[3] === '' ? head[2] : `${head[2]}?${head[3]}`;
    this.stats.logAccess(this.route.name, head[1], path, status, ms, this.requestId);
  }

  private allocate(length: number): void {
    const { frame, bodyOffset } = encodeFrame(this.head, length);
    this.frame = frame;
    this.bodyOffset = bodyOffset;
    this.expected = length;
  }

  private onChunk(chunk: ArrayBuffer, isLast: boolean): void {
    if (this.finished) return;
    const bytes = new Uint8Array(chunk);
    if (this.received + bytes.length > this.route.spec.limits.body) {
      this.fail('WARP_E_BODY_TOO_LARGE', `the request body is over limits.body ` +
        `(${this.route.spec.limits.body} bytes) of app '${this.route.name}'`, true);
      return;
    }
    if (this.received + bytes.length > this.expected) this.grow(this.received + bytes.length);
    this.frame.set(bytes, this.bodyOffset + this.received);
    this.received += bytes.length;
    if (!isLast) return;

    if (this.received < this.expected) {
      this.frame = this.frame.slice(0, this.bodyOffset + this.received);
    }
    this.dispatcher.submit(this);
  }

  /** Chunked bodies have no length up front: the frame doubles as they arrive. */
  private grow(need: number): void {
    if (this.expected === 0 && this.bodyOffset === 0) {
      this.allocate(Math.max(need, 16 * 1024));
      return;
    }
    const size = Math.min(Math.max(need, this.expected * 2), this.route.spec.limits.body);
    const grown = new Uint8Array(this.bodyOffset + size);
    grown.set(this.frame.subarray(0, this.bodyOffset + this.received));
    this.frame = grown;
    this.expected = size;
  }

  private write(status: number, headers: string[], body: Uint8Array, close = false): void {
    const res = this.res;
    res.writeStatus(statusLine(status));
    for (let i = 0; i + 1 < headers.length; i += 2) {
      res.writeHeader(headers[i] as string, headers[i + 1] as string);
    }
    res.writeHeader('x-request-id', this.requestId);
    if (this.isHead) {
      endHead(res, body.length, close);
    } else if (close || body.length <= STREAM_THRESHOLD) {
      res.end(body, close);
    } else {
      this.stream(body);
    }
  }

  /** Writes a large body as the socket drains instead of buffering all of it in uWS. */
  private stream(body: Uint8Array): void {
    const res = this.res;
    const total = body.length;
    const base = res.getWriteOffset();
    const [ok, done] = res.tryEnd(body, total);
    if (ok || done) return;
    res.onWritable((offset) => {
      const [sent, finished] = res.tryEnd(body.subarray(offset - base), total);
      return sent || finished;
    });
  }
}
