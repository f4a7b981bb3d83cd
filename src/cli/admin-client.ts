// The warp CLI's side of the admin API: one authenticated request per call, JSON answers, and an
// upload progress line on a terminal.

import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

import { CliError, usageError } from './cli-error.js';

/** Small enough for a smooth progress line, large enough to keep the socket busy. */
const UPLOAD_CHUNK = 256 * 1024;
const PROGRESS_EVERY_MS = 100;

export interface Upload {
  bytes: Uint8Array;
  contentType: string;
  headers?: Record<string, string>;
  /** Shown in the progress line. */
  label?: string;
}

export class AdminClient {
  private readonly server: URL;
  private readonly token: string;

  constructor(server: string, tokenFile: string) {
    this.server = parseServer(server);
    this.token = readToken(tokenFile);
  }

  get(path: string): Promise<unknown> {
    return this.request('GET', path, null);
  }

  delete(path: string): Promise<unknown> {
    return this.request('DELETE', path, null);
  }

  postJson(path: string, body: object): Promise<unknown> {
    const bytes = Buffer.from(JSON.stringify(body));
    return this.request('POST', path, { bytes, contentType: 'application/json' });
  }

  post(path: string, upload: Upload): Promise<unknown> {
    return this.request('POST', path, upload);
  }

  private request(method: string, path: string, upload: Upload | null): Promise<unknown> {
    const url = new URL(path, this.server);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string | number> = {
      authorization: `Bearer ${this.token}`, accept: 'application/json', ...upload?.headers,
    };
    if (upload !== null) {
      headers['content-type'] = upload.contentType;
      headers['content-length'] = upload.bytes.length;
    }
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers }, (res) => {
        readAnswer(res).then(resolve, reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(new CliError(`cannot reach the ` +
        `node's admin API at ${this.server.origin} (${err.code ?? err.message}); is the node ` +
        'running? pass --server to name another')));
      if (upload === null) return void req.end();
      writeBody(req, upload).catch(reject);
    });
  }
}

async function writeBody(req: NodeJS.WritableStream, upload: Upload): Promise<void> {
  const { bytes } = upload;
  const progress = process.stderr.isTTY && bytes.length > UPLOAD_CHUNK
    ? progressLine(upload.label ?? 'artifact', bytes.length) : null;
  for (let at = 0; at < bytes.length; at += UPLOAD_CHUNK) {
    const more = req.write(bytes.subarray(at, at + UPLOAD_CHUNK));
    progress?.(Math.min(at + UPLOAD_CHUNK, bytes.length));
    if (!more) await new Promise((resolve) => req.once('drain', resolve));
  }
  progress?.(-1);
  req.end();
}

/** Returns a function that redraws the line for `sent` bytes, and clears it for -1. */
function progressLine(label: string, total: number): (sent: number) => void {
  let last = 0;
  const mib = (n: number) => (n / 1024 / 1024).toFixed(1);
  return (sent) => {
    if (sent === -1) return void process.stderr.write('\r\x1b[K');
    const now = performance.now();
    if (now - last < PROGRESS_EVERY_MS && sent < total) return;
    last = now;
    const pct = Math.floor((sent / total) * 100);
    process.stderr.write(`\r\x1b[KUploading ${label}: ${pct}% (${mib(sent)} of ${mib(total)} MiB)`);
  };
}

async function readAnswer(res: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  const text = Buffer.concat(chunks).toString('utf8');
  const body = parseJson(text) as { error?: { code?: string; message?: string } } | null;
  const status = res.statusCode ?? 0;
  if (status >= 200 && status < 300 && body !== null) return body;
  const error = body?.error;
  if (typeof error?.message === 'string') throw new CliError(error.message, error.code ?? null);
  throw new CliError(`the admin API answered ${status} without a WarpGrid error body; is ` +
    '--server the admin port (8444 by default) rather than the app port?');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function parseServer(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw usageError(`--server must be a URL such as http://127.0.0.1:8444, got '${server}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`--server must be an http:// or https:// URL, got '${server}'`);
  }
  return url;
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read the admin token file ${file} ` +
      `(${(err as NodeJS.ErrnoException).code}); pass --token-file <node data dir>/admin-token`,
    'WARP_E_BAD_FLAG', 2);
  }
  const token = text.trim();
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new CliError(`${file} does not hold an admin token; pass --token-file ` +
      '<node data dir>/admin-token', 'WARP_E_BAD_FLAG', 2);
  }
  return token;
}
