// The thread that sends a worker's outgoing HTTP requests. A guest runs synchronously on its
// worker and blocks while it waits, so the sockets live here, on a thread whose event loop keeps
// turning. Each answer is posted back whole (status, headers, buffered body) and the shared wake
// word is bumped so the blocked worker looks. What may be sent was decided on the worker.

import { request as httpRequest, Agent as HttpAgent, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { workerData, type MessagePort } from 'node:worker_threads';

import type { ErrorCode, OutboundOrder, OutboundReply, SendOrder } from './outbound-messages.js';

interface ThreadData {
  port: MessagePort;
  wake: SharedArrayBuffer;
}

/**
 * Hop-by-hop fields (RFC 9110 §7.6.1) describe the connection to this thread, not the message;
 * a guest that copied them into its own response would be refused, so they are not shown.
 */
const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade',
  'trailer', 'proxy-authenticate',
]);

const { port, wake } = workerData as ThreadData;
const wakeWord = new Int32Array(wake);
const agents = {
  http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};
const inflight = new Map<number, () => void>();

function reply(message: OutboundReply): void {
  if (!inflight.delete(message.id)) return;
  const transfer = message.ok ? [message.body.buffer as ArrayBuffer] : [];
  port.postMessage(message, transfer);
  Atomics.add(wakeWord, 0, 1);
  Atomics.notify(wakeWord, 0);
}

/** Node's error codes as wasi:http error-code cases. */
function errorCodeOf(err: NodeJS.ErrnoException): ErrorCode {
  const code = err.code ?? '';
  if (code === 'ECONNREFUSED') return { tag: 'connection-refused' };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_FAIL') {
    return { tag: 'DNS-error', val: { rcode: code, infoCode: undefined } };
  }
  if (code === 'ECONNRESET' || code === 'EPIPE') return { tag: 'connection-terminated' };
  if (code === 'ETIMEDOUT') return { tag: 'connection-timeout' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
    return { tag: 'destination-unavailable' };
  }
  if (code.startsWith('HPE_')) return { tag: 'HTTP-protocol-error' };
  if (code.includes('CERT') || code.startsWith('UNABLE_TO_VERIFY')) {
    return { tag: 'TLS-certificate-error' };
  }
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) {
    return { tag: 'TLS-protocol-error' };
  }
  return { tag: 'internal-error', val: err.message };
}

function headerObject(flat: string[]): Record<string, string[]> {
  const headers: Record<string, string[]> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const name = flat[i] as string;
    (headers[name] ??= []).push(flat[i + 1] as string);
  }
  return headers;
}

function responseHeaders(res: IncomingMessage): string[] {
  const flat: string[] = [];
  const raw = res.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (!HOP_BY_HOP.has(name)) flat.push(name, raw[i + 1] as string);
  }
  return flat;
}

/** Reads the whole body, up to the cap; the answer goes back once it is complete. */
function collect(order: SendOrder, res: IncomingMessage, fail: (code: ErrorCode) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > order.maxBodyBytes) {
      fail({ tag: 'HTTP-response-body-size', val: BigInt(size) });
      res.destroy();
      return;
    }
    chunks.push(chunk);
  });
  res.on('error', (err) => fail(errorCodeOf(err)));
  res.on('aborted', () => fail({ tag: 'HTTP-response-incomplete' }));
  res.on('end', () => {
    // A fresh buffer of our own: Buffer.concat may hand out a slice of Node's shared pool,
    // which must not be transferred.
    const body = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      body.set(chunk, at);
      at += chunk.length;
    }
    reply({ id: order.id, ok: true, status: res.statusCode ?? 0,
      headers: responseHeaders(res), body });
  });
}

function send(order: SendOrder): void {
  const url = new URL(order.url);
  const https = url.protocol === 'https:';
  const req = (https ? httpsRequest : httpRequest)(url, {
    method: order.method,
    headers: headerObject(order.headers),
    agent: https ? agents.https : agents.http,
  });
  const fail = (code: ErrorCode) => {
    reply({ id: order.id, ok: false, error: code });
    req.destroy();
  };
  const timer = setTimeout(() => fail({ tag: 'HTTP-response-timeout' }), order.timeoutMs);
  inflight.set(order.id, () => {
    inflight.delete(order.id);
    req.destroy();
  });
  req.on('close', () => clearTimeout(timer));
  req.on('error', (err) => fail(errorCodeOf(err)));
  req.on('response', (res) => collect(order, res, fail));
  req.end(order.body ?? undefined);
}

port.on('message', (order: OutboundOrder) => {
  if (order.op === 'abort') return inflight.get(order.id)?.();
  try {
    send(order);
  } catch (err) {
    // node:http refuses some requests before sending anything, e.g. a header value it rejects.
    inflight.set(order.id, () => {});
    reply({ id: order.id, ok: false, error: errorCodeOf(err as NodeJS.ErrnoException) });
  }
});
