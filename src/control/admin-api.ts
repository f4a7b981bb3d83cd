// The admin API: JSON over HTTP on its own listener, loopback by default, behind a bearer token.
// It runs on node:http rather than a second uWS app: admin calls are rare, and node:http gives
// request streams with backpressure for 64 MiB uploads, 100-continue, a header size cap and
// graceful close, none of which the request path needs.
//
//   POST   /v1/apps               deploy: body = the .wasm (application/wasm),
//                                 Warp-Manifest header = the manifest fields as JSON
//   GET    /v1/apps               list
//   GET    /v1/apps/:name         one app
//   POST   /v1/apps/:name/scale   {"min": 1, "max": 8} (either may be left out)
//   DELETE /v1/apps/:name         remove an API deployment
//   GET    /v1/status             the node: version, uptime, workers, draining

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import type { Logger } from 'pino';

import { WarpError } from '../errors.js';
import { bearerMatches } from './admin-token.js';
import type { AppView } from './app-view.js';
import type { ControlPlane } from './control-plane.js';

export const ARTIFACT_CAP = 64 * 1024 * 1024;
export const JSON_CAP = 64 * 1024;
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One body for every refusal, so a response says nothing about why the token failed. */
const UNAUTHORIZED = new WarpError('WARP_E_UNAUTHORIZED', 'missing or wrong bearer token; send ' +
  "'Authorization: Bearer <token>' with the token from the node's admin token file").toBody();

export interface AdminViews {
  apps(): Promise<AppView[]>;
  status(): object;
}

export interface AdminOptions {
  host: string;
  port: number;
  token: string;
  control: ControlPlane;
  views: AdminViews;
  log: Logger;
}

export class AdminApi {
  private readonly server: Server;
  port = 0;

  constructor(private readonly opts: AdminOptions) {
    // The manifest travels in a header, so the header cap is the JSON cap (plus the rest).
    this.server = createServer({ maxHeaderSize: JSON_CAP + 8192 }, (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(req, res, err));
    });
    // Answer 100-continue only after the token and the size are known to be acceptable.
    this.server.on('checkContinue', (req, res) => this.server.emit('request', req, res));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', (err: NodeJS.ErrnoException) => reject(new WarpError(
        'WARP_E_BAD_FLAG', `cannot listen on ${this.opts.host}:${this.opts.port} for the admin ` +
        `API (${err.code}); pass another --admin-port, or 0 for a free one`)));
      this.server.listen(this.opts.port, this.opts.host, () => {
        const address = this.server.address();
        this.port = typeof address === 'object' && address !== null ? address.port : 0;
        resolve(this.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!bearerMatches(req.headers.authorization, this.opts.token)) {
      res.writeHead(401, headers(req, { 'www-authenticate': 'Bearer' }));
      res.end(UNAUTHORIZED);
      return;
    }
    const path = new URL(req.url ?? '/', 'http://admin').pathname;
    const parts = path.split('/').slice(1);
    const method = req.method ?? 'GET';

    if (path === '/v1/status' && method === 'GET') return this.send(res, this.opts.views.status());
    if (path === '/v1/apps' && method === 'GET') {
      return this.send(res, { apps: await this.opts.views.apps() });
    }
    if (path === '/v1/apps' && method === 'POST') return this.deploy(req, res);
    if (parts[0] === 'v1' && parts[1] === 'apps' && parts[2] !== undefined) {
      const name = appName(parts[2]);
      if (parts.length === 3 && method === 'GET') {
        return this.send(res, { app: await this.one(name) });
      }
      if (parts.length === 3 && method === 'DELETE') return this.remove(res, name);
      if (parts.length === 4 && parts[3] === 'scale' && method === 'POST') {
        return this.scale(req, res, name);
      }
    }
    throw new WarpError('WARP_E_BAD_REQUEST', `no admin endpoint ${method} ${path}; the ` +
      'endpoints are GET /v1/status, GET and POST /v1/apps, GET and DELETE /v1/apps/<name>, ' +
      'POST /v1/apps/<name>/scale');
  }

  private async deploy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.opts.control.refuseWhileDraining();
    const type = req.headers['content-type'] ?? '';
    if (!/^application\/wasm\b/.test(type)) {
      throw new WarpError('WARP_E_BAD_REQUEST', 'POST /v1/apps takes the .wasm as the body ' +
        "with 'Content-Type: application/wasm', and the manifest fields as JSON in the " +
        `Warp-Manifest header; got content-type '${type}'`);
    }
    const doc = parseObject(headerUtf8(req.headers['warp-manifest']), 'Warp-Manifest header');
    const bytes = await readBody(req, res, ARTIFACT_CAP, 'the artifact');
    const { result, shadows } = await this.opts.control.deploy(doc, bytes);
    const app = await this.one(result.route.name);
    this.send(res, { app, coldStartMs: round(result.coldStartMs), cacheHit: result.cacheHit,
      shadows }, 201);
  }

  private async scale(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    this.opts.control.refuseWhileDraining();
    const text = (await readBody(req, res, JSON_CAP, 'the JSON body')).toString('utf8');
    const doc = parseObject(text, 'body');
    const unknown = Object.keys(doc).find((k) => k !== 'min' && k !== 'max');
    if (unknown !== undefined || Object.keys(doc).length === 0) {
      throw new WarpError('WARP_E_BAD_REQUEST', `the scale body takes 'min' and/or 'max'` +
        (unknown === undefined ? '' : `, not '${unknown}'`) + `, e.g. {"min": 1, "max": 8}`);
    }
    const result = await this.opts.control.scale(name, doc);
    this.send(res, { app: await this.one(name), coldStartMs: round(result.coldStartMs) });
  }

  private async remove(res: ServerResponse, name: string): Promise<void> {
    this.opts.control.refuseWhileDraining();
    const fallback = await this.opts.control.remove(name);
    this.send(res, { removed: name, servedAgainBy: fallback });
  }

  private async one(name: string): Promise<AppView> {
    const app = (await this.opts.views.apps()).find((a) => a.name === name);
    if (app === undefined) {
      throw new WarpError('WARP_E_NO_SUCH_APP', `no app '${name}' is deployed; see warp list`);
    }
    return app;
  }

  private send(res: ServerResponse, body: object, status = 200): void {
    res.writeHead(status, headers(null, {}));
    res.end(JSON.stringify(body));
  }

  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    let error: WarpError;
    if (err instanceof WarpError) {
      error = err;
    } else {
      this.opts.log.error({ err, method: req.method, url: req.url }, 'admin request failed');
      error = new WarpError('WARP_E_INTERNAL', `the admin request failed: ${(err as Error)
        .message}; the node's log has the details`);
    }
    if (res.headersSent) return void res.destroy();
    res.writeHead(error.status, headers(req, {}));
    res.end(error.toBody());
  }
}

/** JSON headers; `req` is passed when its body may be unread, so the connection is not reused. */
function headers(req: IncomingMessage | null, extra: Record<string, string>) {
  const length = req?.headers['content-length'];
  const hasBody = (length !== undefined && length !== '0') ||
    req?.headers['transfer-encoding'] !== undefined;
  const close = req !== null && hasBody && !req.complete ? { connection: 'close' } : {};
  return { 'content-type': 'application/json', 'cache-control': 'no-store', ...close, ...extra };
}

function appName(raw: string): string {
  let name = raw;
  try {
    name = decodeURIComponent(raw);
  } catch {
    // An undecodable name is reported as it was sent.
  }
  if (!NAME.test(name)) {
    throw new WarpError('WARP_E_NO_SUCH_APP', `'${name.slice(0, 80)}' is not an app name; ` +
      'names are lower-case letters, digits and dashes');
  }
  return name;
}

async function readBody(req: IncomingMessage, res: ServerResponse, cap: number, what: string,
): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > cap) throw tooLarge(what, declared, cap);
  if (req.headers.expect === '100-continue') res.writeContinue();

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > cap) throw tooLarge(what, size, cap);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(what: string, size: number, cap: number): WarpError {
  return new WarpError('WARP_E_BODY_TOO_LARGE', `${what} is over the admin API's cap of ` +
    `${cap} bytes (got at least ${size})`);
}

/** Node reads header bytes as latin1; a client may have sent UTF-8. */
function headerUtf8(value: string | string[] | undefined): string {
  if (typeof value !== 'string' || value === '') {
    throw new WarpError('WARP_E_BAD_REQUEST', 'the Warp-Manifest header is missing; send the ' +
      'manifest fields as JSON in it, at least {"name": "hello"}');
  }
  return Buffer.from(value, 'latin1').toString('utf8');
}

function parseObject(text: string, where: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new WarpError('WARP_E_BAD_REQUEST', `${where} is not valid JSON: ${(err as Error)
      .message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new WarpError('WARP_E_BAD_REQUEST', `${where} must be a JSON object`);
  }
  return doc as Record<string, unknown>;
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
