// The outgoing half of wasi:http: a guest may build an outgoing-request (fetch() does), but
// wasi:http/outgoing-handler denies every request with `HTTP-request-denied` before anything
// is resolved or sent. Spec: WebAssembly/wasi-http 0.2, types.wit and handler.wit.

import { Fields } from './http-fields.js';
import { OutgoingBody } from './http-host.js';
import type { IoError } from './io-host.js';

const UNIT_ERR = Object.freeze({});
const DENIED = Object.freeze({ tag: 'HTTP-request-denied' });
const GET = Object.freeze({ tag: 'get' });

type Variant = { tag: string; val?: unknown };

/** Only data: holding it grants nothing, since outgoing-handler.handle always denies. */
export class OutgoingRequest {
  private method_: Variant = GET;
  private pathWithQuery_: string | undefined = undefined;
  private scheme_: Variant | undefined = undefined;
  private authority_: string | undefined = undefined;
  private bodyTaken = false;

  constructor(private readonly fields: Fields) {}

  body(): OutgoingBody {
    if (this.bodyTaken) throw UNIT_ERR;
    this.bodyTaken = true;
    return new OutgoingBody(false);
  }

  method(): Variant {
    return this.method_;
  }

  setMethod(method: Variant): void {
    this.method_ = method;
  }

  pathWithQuery(): string | undefined {
    return this.pathWithQuery_;
  }

  setPathWithQuery(value: string | undefined): void {
    this.pathWithQuery_ = value;
  }

  scheme(): Variant | undefined {
    return this.scheme_;
  }

  setScheme(value: Variant | undefined): void {
    this.scheme_ = value;
  }

  authority(): string | undefined {
    return this.authority_;
  }

  setAuthority(value: string | undefined): void {
    this.authority_ = value;
  }

  headers(): Fields {
    return this.fields.view();
  }
}

/** Timeouts a guest may attach to an outgoing request; kept, never used. */
export class RequestOptions {
  private connect: bigint | undefined = undefined;
  private firstByte: bigint | undefined = undefined;
  private betweenBytes: bigint | undefined = undefined;

  connectTimeout(): bigint | undefined {
    return this.connect;
  }

  setConnectTimeout(duration: bigint | undefined): void {
    this.connect = duration;
  }

  firstByteTimeout(): bigint | undefined {
    return this.firstByte;
  }

  setFirstByteTimeout(duration: bigint | undefined): void {
    this.firstByte = duration;
  }

  betweenBytesTimeout(): bigint | undefined {
    return this.betweenBytes;
  }

  setBetweenBytesTimeout(duration: bigint | undefined): void {
    this.betweenBytes = duration;
  }
}

/**
 * Resources that only a sent request produces. No request is ever sent, so none is ever made;
 * the classes exist because the glue checks resource types against them.
 */
export class FutureIncomingResponse {}
export class IncomingResponse {}

/** wasi:http/outgoing-handler: every request is denied, and nothing leaves the worker. */
export function outgoingHandler(): object {
  return {
    handle: (_request: OutgoingRequest, _options: RequestOptions | undefined): never => {
      throw DENIED;
    },
  };
}

/** No I/O error of WarpGrid's carries an HTTP error code. */
export function httpErrorCode(_err: IoError): undefined {
  return undefined;
}
