// wasi:http/outgoing-handler: each request a guest makes is checked against the app's
// `allowed_outbound_hosts` (scheme, host and port) before anything is resolved or sent. A request
// that no grant allows fails with `HTTP-request-denied`. An allowed one goes to the worker's
// outgoing-request thread, with a timeout and at most MAX_IN_FLIGHT at once per incoming request.
// Redirects are answers like any other: a guest that follows one makes a new request, which is
// checked again. Spec: WebAssembly/wasi-http 0.2, handler.wit; Spin's allowed_outbound_hosts.

import type { Fields } from './http-fields.js';
import {
  FutureIncomingResponse, IncomingResponse, type OutgoingRequest, type RequestOptions,
  type Sender,
} from './http-outgoing.js';
import type { ErrorCode, OutboundReply, SendOrder } from './outbound-messages.js';
import { outboundLink } from './outbound-link.js';
import { OutboundPolicy, defaultPort, targetOf, type Target } from './outbound-policy.js';

const DENIED = Object.freeze({ tag: 'HTTP-request-denied' });
const URI_INVALID = Object.freeze({ tag: 'HTTP-request-URI-invalid' });
const METHOD_INVALID = Object.freeze({ tag: 'HTTP-request-method-invalid' });

/** Requests one incoming request may have in flight; more wait their turn. */
export const MAX_IN_FLIGHT = 8;
/** The longest any outgoing request may take, even when the app's timeout is longer. */
export const OUTBOUND_TIMEOUT_MS = 10_000;
/** An outgoing request times out this long before the request deadline, so the guest can answer. */
const ANSWER_MARGIN_MS = 250;
const NS_PER_MS = 1_000_000n;

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** origin-form (RFC 9112 §3.2.1): a path from `/`, an optional query; no spaces or controls. */
const ORIGIN_FORM = /^\/[\x21-\x7e]*$/;

type Variant = { tag: string; val?: unknown };
type Order = Omit<SendOrder, 'op' | 'id'>;

function schemeName(scheme: Variant | undefined): string {
  if (scheme === undefined || scheme.tag === 'HTTPS') return 'https';
  if (scheme.tag === 'HTTP') return 'http';
  return String(scheme.val ?? '').toLowerCase();
}

function methodName(method: Variant): string {
  if (method.tag !== 'other') return method.tag.toUpperCase();
  const name = String(method.val ?? '');
  if (!TOKEN.test(name)) throw METHOD_INVALID;
  return name;
}

function urlOf(target: Target, path: string): string {
  const port = target.port === defaultPort(target.scheme) ? '' : `:${target.port}`;
  return `${target.scheme}://${target.host}${port}${path}`;
}

/** The guest's fields as a flat list; Host comes from the checked authority, never the guest. */
function headersOf(fields: Fields): string[] {
  const flat: string[] = [];
  for (const [name, value] of fields.entries()) {
    if (name === 'host') continue;
    flat.push(name, Buffer.from(value.buffer, value.byteOffset, value.length).toString('latin1'));
  }
  return flat;
}

function optionMs(duration: bigint | undefined): number {
  return duration === undefined ? Infinity : Number(duration / NS_PER_MS);
}

interface Pending {
  future: FutureIncomingResponse;
  order: Order;
}

/** The outgoing requests of one incoming request. */
class Session {
  inFlight = 0;
  readonly queued: Pending[] = [];
  readonly sent = new Set<FutureIncomingResponse>();
}

export class OutgoingHandler implements Sender {
  private readonly policy: OutboundPolicy;
  private session: Session | null = null;
  private deadlineMs = Infinity;
  private maxBodyBytes = 0;

  constructor(allowedHosts: readonly string[]) {
    this.policy = new OutboundPolicy(allowedHosts);
  }

  /** Whether the app may send anything at all. */
  get granted(): boolean {
    return !this.policy.empty;
  }

  /** Called as a request starts; nothing is made until the guest sends something. */
  begin(deadlineMs: number, maxBodyBytes: number): void {
    this.deadlineMs = deadlineMs;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** Called as a request ends: what is still in flight or queued is dropped. */
  end(): void {
    const session = this.session;
    if (session === null) return;
    this.session = null;
    const link = outboundLink();
    for (const future of session.sent) link.abort(future.sentId);
  }

  handle(request: OutgoingRequest, options: RequestOptions | undefined): FutureIncomingResponse {
    if (this.policy.empty) throw DENIED;
    const scheme = schemeName(request.scheme());
    const authority = request.authority();
    const target = authority === undefined ? null : targetOf(scheme, authority);
    if (target === null) throw URI_INVALID;
    if (!this.policy.allows(target)) throw DENIED;
    const path = request.pathWithQuery() ?? '/';
    if (!ORIGIN_FORM.test(path)) throw URI_INVALID;

    const order: Order = {
      method: methodName(request.method()),
      url: urlOf(target, path),
      headers: headersOf(request.fields),
      body: null,
      timeoutMs: this.timeoutMs(options),
      maxBodyBytes: this.maxBodyBytes,
    };
    const future = new FutureIncomingResponse(this);
    const session = this.session ??= new Session();
    const body = request.outgoingBody;
    if (body === null || body.finished) {
      order.body = body === null ? null : body.bytes();
      this.start(session, { future, order });
    } else {
      // wasi-http lets a guest write the body after handle; it is sent once finished, if the
      // request that made it is still running.
      body.whenFinished = () => {
        order.body = body.bytes();
        if (this.session === session) this.start(session, { future, order });
      };
    }
    return future;
  }

  cancel(future: FutureIncomingResponse): void {
    const session = this.session;
    if (session === null) return;
    const queuedAt = session.queued.findIndex((p) => p.future === future);
    if (queuedAt !== -1) session.queued.splice(queuedAt, 1);
    if (!session.sent.delete(future)) return;
    outboundLink().abort(future.sentId);
    this.finished(session);
  }

  private timeoutMs(options: RequestOptions | undefined): number {
    const left = Math.floor(this.deadlineMs - performance.now()) - ANSWER_MARGIN_MS;
    const guest = Math.min(optionMs(options?.connectTimeout()),
      optionMs(options?.firstByteTimeout()));
    return Math.max(1, Math.min(OUTBOUND_TIMEOUT_MS, left, guest));
  }

  private start(session: Session, pending: Pending): void {
    if (session.inFlight >= MAX_IN_FLIGHT) {
      session.queued.push(pending);
      return;
    }
    session.inFlight++;
    session.sent.add(pending.future);
    pending.future.sentId = outboundLink().send(pending.order,
      (reply) => this.answered(session, pending.future, reply));
  }

  private answered(session: Session, future: FutureIncomingResponse, reply: OutboundReply): void {
    session.sent.delete(future);
    future.settle(reply.ok
      ? { tag: 'ok', val: new IncomingResponse(reply.status, reply.headers, reply.body) }
      : { tag: 'err', val: reply.error as ErrorCode });
    this.finished(session);
  }

  /** A slot is free: the next queued request of the same incoming request goes out. */
  private finished(session: Session): void {
    session.inFlight--;
    const next = session.queued.shift();
    if (next !== undefined && this.session === session) this.start(session, next);
  }
}
