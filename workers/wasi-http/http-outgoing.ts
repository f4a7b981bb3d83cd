// The resources of the outgoing half of wasi:http: the request a guest builds (fetch() does),
// the future of its response, and the response once it is in. Sending, and deciding whether a
// request may be sent at all, is outgoing-handler.ts. Spec: WebAssembly/wasi-http 0.2, types.wit.

import type { ErrorCode } from './outbound-messages.js';
import { Fields } from './http-fields.js';
import { IncomingBody, OutgoingBody } from './http-host.js';
import { SettledPollable, type IoError, type Pollable } from './io-host.js';

const UNIT_ERR = Object.freeze({});
const GET = Object.freeze({ tag: 'get' });
/** The err case of future-incoming-response.get's outer result: the response was taken. */
const ALREADY_TAKEN = Object.freeze({ tag: 'err', val: undefined });

type Variant = { tag: string; val?: unknown };

/** Only data: holding it grants nothing until outgoing-handler.handle checks and sends it. */
export class OutgoingRequest {
  private method_: Variant = GET;
  private pathWithQuery_: string | undefined = undefined;
  private scheme_: Variant | undefined = undefined;
  private authority_: string | undefined = undefined;
  /** The body, once the guest has asked for it. */
  outgoingBody: OutgoingBody | null = null;

  constructor(readonly fields: Fields) {}

  body(): OutgoingBody {
    if (this.outgoingBody !== null) throw UNIT_ERR;
    this.outgoingBody = new OutgoingBody(false);
    return this.outgoingBody;
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

/** Timeouts a guest may attach to an outgoing request; they can only shorten WarpGrid's own. */
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

/** The response to an outgoing request, with its body already read whole. */
export class IncomingResponse {
  private consumed = false;

  constructor(
    private readonly status_: number,
    private readonly flatHeaders: readonly string[],
    private readonly body: Uint8Array,
  ) {}

  status(): number {
    return this.status_;
  }

  headers(): Fields {
    return Fields.fromFlat(this.flatHeaders);
  }

  consume(): IncomingBody {
    if (this.consumed) throw UNIT_ERR;
    this.consumed = true;
    return new IncomingBody(this.body);
  }
}

type Outcome = { tag: 'ok'; val: IncomingResponse } | { tag: 'err'; val: ErrorCode };

/** What a future needs from whoever sends its request. */
export interface Sender {
  /** The guest dropped the future before its response came. */
  cancel(future: FutureIncomingResponse): void;
}

/** wasi:http `future-incoming-response`: settled by the outgoing handler when the answer is in. */
export class FutureIncomingResponse {
  settled = false;
  /** The outgoing thread's id for the exchange, once sent; 0 while queued or unsent. */
  sentId = 0;
  private outcome: { tag: 'ok'; val: Outcome } | null = null;
  private taken = false;

  constructor(private readonly sender: Sender) {}

  settle(outcome: Outcome): void {
    if (this.settled) return;
    this.settled = true;
    this.outcome = { tag: 'ok', val: outcome };
  }

  subscribe(): Pollable {
    return new SettledPollable(this);
  }

  get(): object | undefined {
    if (!this.settled) return undefined;
    if (this.taken) return ALREADY_TAKEN;
    this.taken = true;
    return this.outcome as object;
  }

  [Symbol.dispose](): void {
    if (!this.settled) this.sender.cancel(this);
  }
}

/** No I/O error of WarpGrid's carries an HTTP error code. */
export function httpErrorCode(_err: IoError): undefined {
  return undefined;
}
