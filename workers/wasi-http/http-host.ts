// wasi:http/types for incoming requests, as WarpGrid's own host objects: the request and its
// body come from the request frame, and the response the guest builds is collected in memory,
// all on the worker thread. Outgoing requests are in http-outgoing.ts and outgoing-handler.ts.
// Spec: WebAssembly/wasi-http 0.2, types.wit.

import type { GuestRequest } from '../guest-types.js';
import { Fields } from './http-fields.js';
import { InputStream, OutputStream, Pollable, operationFailed } from './io-host.js';

/** The err case of `result<T>` with no payload. */
const UNIT_ERR = Object.freeze({});

const METHODS: Record<string, { tag: string }> = Object.freeze(Object.fromEntries(
  ['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']
    .map((m) => [m.toUpperCase(), Object.freeze({ tag: m })]),
));
const HTTP = Object.freeze({ tag: 'HTTP' });
const HTTPS = Object.freeze({ tag: 'HTTPS' });
const NO_TRAILERS = Object.freeze({ tag: 'ok', val: Object.freeze({ tag: 'ok', val: undefined }) });
const TRAILERS_TAKEN = Object.freeze({ tag: 'err', val: undefined });
const EMPTY = new Uint8Array(0);

/** The response a guest is building for the running request. */
export class Exchange {
  response: OutgoingResponse | null = null;
  /** The error-code the guest answered with instead of a response. */
  failure: { tag: string; val?: unknown } | null = null;
  /** Set when the guest wrote more than `responseLimit` bytes of body. */
  tooLarge = false;

  constructor(readonly responseLimit: number) {}
}

/** The running exchange; the worker runs one component request at a time. */
export const running: { exchange: Exchange | null } = { exchange: null };

export class IncomingRequest {
  private consumed = false;

  constructor(private readonly req: GuestRequest) {}

  method(): { tag: string; val?: string } {
    return METHODS[this.req.method] ?? { tag: 'other', val: this.req.method };
  }

  /** The path after the app's route prefix, as PATH_INFO is for WAGI, and the query. */
  pathWithQuery(): string {
    const { pathInfo, query } = this.req;
    return query === '' ? pathInfo : `${pathInfo}?${query}`;
  }

  scheme(): { tag: string; val?: string } {
    if (this.req.scheme === 'http') return HTTP;
    if (this.req.scheme === 'https') return HTTPS;
    return { tag: 'other', val: this.req.scheme };
  }

  authority(): string | undefined {
    return this.req.authority === '' ? undefined : this.req.authority;
  }

  headers(): Fields {
    return Fields.fromFlat(this.req.headers);
  }

  consume(): IncomingBody {
    if (this.consumed) throw UNIT_ERR;
    this.consumed = true;
    return new IncomingBody(this.req.body);
  }
}

export class IncomingBody {
  private streamed = false;

  constructor(private readonly bytes: Uint8Array) {}

  stream(): InputStream {
    if (this.streamed) throw UNIT_ERR;
    this.streamed = true;
    return new InputStream(this.bytes);
  }

  /** The front does not pass request trailers on, so there never are any. */
  static finish(_body: IncomingBody): FutureTrailers {
    return new FutureTrailers();
  }
}

export class FutureTrailers {
  private taken = false;

  subscribe(): Pollable {
    return new Pollable();
  }

  get(): object {
    if (this.taken) return TRAILERS_TAKEN;
    this.taken = true;
    return NO_TRAILERS;
  }
}

/** A body the guest writes: a response body, or the body of an outgoing request. */
export class OutgoingBody {
  readonly chunks: Uint8Array[] = [];
  size = 0;
  finished = false;
  /** Set for an outgoing request's body, which is sent once the guest finishes it. */
  whenFinished: (() => void) | null = null;
  private written = false;

  constructor(private readonly isResponse: boolean) {}

  write(): OutputStream {
    if (this.written) throw UNIT_ERR;
    this.written = true;
    return new BodyStream(this);
  }

  /** Not yet: response trailers are accepted and dropped; HTTP/1.1 responses carry none. */
  static finish(body: OutgoingBody, _trailers: Fields | undefined): void {
    body.finished = true;
    body.whenFinished?.();
  }

  /** The body as one buffer. */
  bytes(): Uint8Array {
    const { chunks } = this;
    if (chunks.length === 0) return EMPTY;
    // The glue copies each write out of guest memory, so a single chunk owns its buffer.
    if (chunks.length === 1) return chunks[0] as Uint8Array;
    const all = new Uint8Array(this.size);
    let at = 0;
    for (const chunk of chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return all;
  }

  append(bytes: Uint8Array): void {
    const exchange = running.exchange;
    const limit = exchange?.responseLimit ?? 0;
    if (this.size + bytes.length > limit) {
      if (this.isResponse && exchange !== null) exchange.tooLarge = true;
      throw operationFailed(`body larger than the app's limit of ${limit} bytes`);
    }
    this.chunks.push(bytes);
    this.size += bytes.length;
  }
}

class BodyStream extends OutputStream {
  constructor(private readonly body: OutgoingBody) {
    super();
  }

  protected accept(bytes: Uint8Array): void {
    this.body.append(bytes);
  }
}

export class OutgoingResponse {
  status = 200;
  readonly body_ = new OutgoingBody(true);
  bodyTaken = false;

  constructor(readonly fields: Fields) {}

  statusCode(): number {
    return this.status;
  }

  setStatusCode(status: number): void {
    if (status < 100 || status > 999) throw UNIT_ERR;
    this.status = status;
  }

  headers(): Fields {
    return this.fields.view();
  }

  body(): OutgoingBody {
    if (this.bodyTaken) throw UNIT_ERR;
    this.bodyTaken = true;
    return this.body_;
  }
}

export class ResponseOutparam {
  constructor(readonly exchange: Exchange) {}

  static set(param: ResponseOutparam,
    response: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: { tag: string } }): void {
    if (response.tag === 'ok') param.exchange.response = response.val;
    else param.exchange.failure = response.val;
  }
}
