// The messages between a worker and its outgoing-request thread (outbound-thread.ts).

/** A wasi:http error-code, as jco's glue takes it: a case name and its payload, if any. */
export interface ErrorCode {
  tag: string;
  val?: unknown;
}

export interface SendOrder {
  op: 'send';
  id: number;
  method: string;
  /** Absolute URL; its scheme, host and port were checked against the app's grant. */
  url: string;
  /** Flat `name, value, …`; values as latin1 strings. */
  headers: string[];
  body: Uint8Array | null;
  /** For the whole exchange, from sending to the last byte of the response body. */
  timeoutMs: number;
  /** A longer response body fails the request with HTTP-response-body-size. */
  maxBodyBytes: number;
}

export interface AbortOrder {
  op: 'abort';
  id: number;
}

export type OutboundOrder = SendOrder | AbortOrder;

export type OutboundReply =
  | { id: number; ok: true; status: number; headers: string[]; body: Uint8Array }
  | { id: number; ok: false; error: ErrorCode };
