// The HTTP front on uWebSockets.js: routes each request to its app, answers the node's own
// /_warp endpoints, and starts an exchange for everything else. No logging happens here.

import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket } from 'uWebSockets.js';

import type { AppRoute } from '../dispatch/app-route.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { WarpError } from '../errors.js';
import type { EndpointReply } from '../ops/node-ops.js';
import type { RequestStats } from '../ops/request-stats.js';
import type { RequestHead } from '../../workers/frame.js';
import { endHead, FrontExchange, statusLine } from './front-exchange.js';
import { requestIdFor } from './request-id.js';
import type { Router } from './router.js';
import type { UwsBinding } from './uws-binding.js';

const textDecoder = new TextDecoder();

export interface NodeEndpoints {
  health(): string;
  info(): string;
  /** Metrics and the status page; null when `url` is none of them. */
  ops(url: string, authorization: string): EndpointReply | Promise<EndpointReply> | null;
}

export interface FrontOptions {
  host: string;
  port: number;
  trustProxy: boolean;
  /** Where answers are counted; read by the metrics and the status page. */
  stats: RequestStats;
}

export class Front {
  private readonly app: TemplatedApp;
  private listenSocket: us_listen_socket | null = null;
  port = 0;
  /** Set while draining: new requests get 503. */
  draining = false;

  constructor(
    private readonly binding: UwsBinding,
    private readonly router: Router,
    private readonly dispatcher: Dispatcher,
    private readonly endpoints: NodeEndpoints,
    private readonly opts: FrontOptions,
  ) {
    this.app = binding.uws.App();
    this.app.any('/*', (res, req) => this.onRequest(res, req));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.app.listen(this.opts.host, this.opts.port, (socket) => {
        if (socket === false) {
          reject(new WarpError('WARP_E_BAD_FLAG', `cannot listen on ${this.opts.host}:` +
            `${this.opts.port}; is the port in use?`));
          return;
        }
        this.listenSocket = socket;
        this.port = this.binding.uws.us_socket_local_port(socket as never);
        resolve(this.port);
      });
    });
  }

  /** Stops accepting connections; requests already read keep going. */
  stopListening(): void {
    if (this.listenSocket === null) return;
    this.binding.uws.us_listen_socket_close(this.listenSocket);
    this.listenSocket = null;
  }

  close(): void {
    this.stopListening();
    (this.app as unknown as { close?: () => void }).close?.();
  }

  private onRequest(res: HttpResponse, req: HttpRequest): void {
    const url = req.getUrl();
    if (url.startsWith('/_warp/')) return this.nodeEndpoint(res, req, url);

    const host = req.getHeader('host');
    const match = this.router.match(url, host);
    if (match === null) {
      return this.reject(res, req, url, null, '', new WarpError('WARP_E_NO_SUCH_APP',
        `no app serves ${clip(url)}; apps are at /r/<app> (see /_warp/info)`));
    }
    const route = match.route;
    const sentId = req.getHeader('x-request-id');
    const requestId = requestIdFor(sentId);
    if (this.draining) {
      // Close the connection too, so a keep-alive client moves to another node.
      return this.reject(res, req, url, route, requestId,
        new WarpError('WARP_E_DRAINING', 'the node is shutting down; retry'), true);
    }

    const lengthHeader = req.getHeader('content-length');
    const contentLength = bodyLength(lengthHeader, req.getHeader('transfer-encoding'));
    if (contentLength === -1) {
      return this.reject(res, req, url, route, requestId, new WarpError('WARP_E_BAD_REQUEST',
        'content-length is not a decimal number'));
    }
    if (contentLength !== null && contentLength > route.spec.limits.body) {
      return this.reject(res, req, url, route, requestId, new WarpError('WARP_E_BODY_TOO_LARGE',
        `the request body (${contentLength} bytes) is over limits.body ` +
        `(${route.spec.limits.body}) of app '${route.name}'`), true);
    }

    const headers: string[] = [];
    req.forEach((name, value) => {
      headers.push(name, value);
    });
    // Guests see the id as a header too, so wasi-http components get it without CGI variables.
    if (sentId !== requestId) setHeader(headers, 'x-request-id', requestId);
    const method = req.getCaseSensitiveMethod();
    const head: RequestHead = [
      route.spec.key, method, url, req.getQuery() ?? '', decodePath(match.pathInfo),
      match.scriptName, headers, this.remoteAddr(res, req), this.scheme(req),
      host === '' ? `${this.opts.host}:${this.port}` : host, this.opts.host, String(this.port),
      requestId,
    ];

    const ex = new FrontExchange(res, route, head, method === 'HEAD', requestId, this.dispatcher,
      this.opts.stats);
    res.onAborted(() => ex.onAborted());
    ex.begin(contentLength);
  }

  private remoteAddr(res: HttpResponse, req: HttpRequest): string {
    if (this.opts.trustProxy) {
      // The proxy appends the address it saw last; entries before it are the client's to forge.
      const forwarded = req.getHeader('x-forwarded-for');
      if (forwarded !== '') return forwarded.slice(forwarded.lastIndexOf(',') + 1).trim();
    }
    return textDecoder.decode(res.getRemoteAddressAsText());
  }

  private scheme(req: HttpRequest): string {
    if (!this.opts.trustProxy) return 'http';
    const proto = req.getHeader('x-forwarded-proto');
    return proto === 'https' ? 'https' : 'http';
  }

  /** Answers an error before an exchange starts, counted like any other answer of the app. */
  private reject(res: HttpResponse, req: HttpRequest, url: string, route: AppRoute | null,
    requestId: string, err: WarpError, close = false): void {
    const stats = this.opts.stats;
    if (route === null) {
      stats.unrouted++;
    } else {
      const counters = stats.forApp(route.name);
      stats.failed(counters, err.code, err.status, requestId, err.message);
      stats.answered(counters, err.status, performance.now());
    }
    if (stats.accessLog !== null) {
      stats.logAccess(route?.name ?? null, req.getCaseSensitiveMethod(), url, err.status, 0,
        requestId);
    }
    sendError(res, err, close, requestId, req.getMethod() === 'head');
  }

  private nodeEndpoint(res: HttpResponse, req: HttpRequest, url: string): void {
    if (url === '/_warp/health') return sendJson(res, this.endpoints.health());
    if (url === '/_warp/info') return sendJson(res, this.endpoints.info());
    const reply = this.endpoints.ops(url, req.getHeader('authorization'));
    if (reply === null) {
      return sendError(res, new WarpError('WARP_E_NO_SUCH_APP', `no node endpoint at ` +
        `${clip(url)}; try /_warp/, /_warp/metrics, /_warp/health or /_warp/info`));
    }
    if (!(reply instanceof Promise)) return sendReply(res, reply);

    // The reply waits on the workers; the client may leave before it is ready.
    let gone = false;
    res.onAborted(() => { gone = true; });
    reply.then((r) => { if (!gone) res.cork(() => sendReply(res, r)); }, (err: unknown) => {
      if (!gone) res.cork(() => sendError(res, new WarpError('WARP_E_INTERNAL', String(err))));
    });
  }
}

/** Replaces the first header of that name, or adds it. Names are lower-case. */
function setHeader(headers: string[], name: string, value: string): void {
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === name) {
      headers[i + 1] = value;
      return;
    }
  }
  headers.push(name, value);
}

/** The declared body length; null when chunked, -1 when the header is not a number. */
function bodyLength(lengthHeader: string, transferEncoding: string): number | null {
  if (transferEncoding !== '') return null;
  if (lengthHeader === '') return 0;
  return /^\d{1,15}$/.test(lengthHeader) ? Number(lengthHeader) : -1;
}

function decodePath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function sendJson(res: HttpResponse, body: string): void {
  res.writeStatus('200 OK').writeHeader('content-type', 'application/json').end(body);
}

function sendReply(res: HttpResponse, reply: EndpointReply): void {
  res.writeStatus(statusLine(reply.status)).writeHeader('content-type', reply.contentType);
  for (const [name, value] of reply.headers ?? []) res.writeHeader(name, value);
  res.end(reply.body);
}

function sendError(res: HttpResponse, err: WarpError, close = false, requestId = '',
  isHead = false): void {
  res.writeStatus(statusLine(err.status)).writeHeader('content-type', 'application/json');
  if (err.status === 503) res.writeHeader('retry-after', '1');
  if (requestId !== '') res.writeHeader('x-request-id', requestId);
  if (isHead) endHead(res, Buffer.byteLength(err.toBody()), close);
  else res.end(err.toBody(), close);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}…` : s;
}
