// WarpGrid behind a real nginx: Host routing, --trust-proxy for the client address and scheme,
// chunked and oversized bodies, HEAD, Expect: 100-continue, a client that leaves mid-response,
// and keep-alive on both sides. Whatever happens, nginx logs no upstream error.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

import { startNginx, upstreamErrors, type RunningNginx } from './helpers/nginx.js';
import { manifestDir, manifestFor, startNode, type RunningNode } from './helpers/node-process.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Echo {
  method: string;
  remoteAddr: string;
  fullUrl: string;
  requestId: string;
  headers: Record<string, string>;
  env: Record<string, string>;
  bodyLength: number;
  body: string;
}

interface Call {
  method?: string;
  headers?: Record<string, string>;
  /** Written as chunks one after the other; no content-length, so the body goes chunked. */
  chunks?: string[];
  body?: string;
  agent?: Agent;
  localAddress?: string;
  tls?: boolean;
}

/** One HTTP/1.1 request through node:http, which lets a test set Host, Expect and chunking. */
function call(port: number, path: string, opts: Call = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const send = opts.tls === true ? httpsRequest : request;
    const req = send({
      host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers,
      agent: opts.agent, localAddress: opts.localAddress, rejectUnauthorized: false,
    }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer to ${path} in 10 s`)));
    if (opts.headers?.expect === '100-continue') {
      req.on('continue', () => req.end(opts.body));
      return;
    }
    for (const chunk of opts.chunks ?? []) req.write(chunk);
    req.end(opts.body);
  });
}

async function selfSignedCert(): Promise<{ cert: string; key: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'warp-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost']);
  return { cert, key };
}

async function warpNode(trustProxy: boolean): Promise<RunningNode> {
  const dir = await manifestDir({
    'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm', 'hosts = ["hello.test"]'),
    'echo.toml': manifestFor('echo', 'examples/echo/echo.wasm',
      '[scale]\nmin = 2\n[limits]\nbody = "64KiB"\nresponse = "64MiB"'),
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
  return startNode(['--manifests', dir, '--workers', '2', '--admin-port', '0',
    '--data-dir', dataDir, ...(trustProxy ? ['--trust-proxy'] : [])]);
}

describe('behind nginx', () => {
  let trusting: RunningNode;
  let plain: RunningNode;
  let proxy: RunningNginx;
  let plainProxy: RunningNginx;

  before(async () => {
    [trusting, plain] = await Promise.all([warpNode(true), warpNode(false)]);
    const tls = await selfSignedCert();
    // nginx connects to the nodes from 127.0.0.2, so a node that ignores X-Forwarded-For
    // sees an address different from the client's.
    const location = '      proxy_bind 127.0.0.2;';
    proxy = await startNginx({ upstreams: [trusting.port], tls, location });
    plainProxy = await startNginx({ upstreams: [plain.port], tls, location });
  });

  after(async () => {
    await proxy?.stop();
    await plainProxy?.stop();
    await trusting?.stop();
    await plain?.stop();
  });

  it('routes Host: hello.test to the hello app at /', async () => {
    const hello = await call(proxy.port, '/', { headers: { host: 'hello.test' } });
    assert.equal(hello.status, 200);
    assert.equal(hello.body, 'Hello, world!\n');
    const other = await call(proxy.port, '/', { headers: { host: 'other.test' } });
    assert.equal(other.status, 404);
  });

  it('takes the client address and scheme from nginx only with --trust-proxy', async () => {
    const forged = { 'x-forwarded-for': '198.51.100.7', 'x-forwarded-proto': 'https' };
    const viaTls = { tls: true, localAddress: '127.0.0.3', headers: forged };

    const trusted = JSON.parse((await call(proxy.tlsPort as number, '/r/echo/', viaTls))
      .body) as Echo;
    assert.equal(trusted.remoteAddr, '127.0.0.3');
    assert.equal(trusted.env.HTTPS, 'on');
    assert.match(trusted.fullUrl, /^https:\/\//);

    const overHttp = JSON.parse((await call(proxy.port, '/r/echo/', { ...viaTls, tls: false }))
      .body) as Echo;
    assert.equal(overHttp.remoteAddr, '127.0.0.3');
    assert.equal(overHttp.env.HTTPS, undefined);

    const ignored = JSON.parse((await call(plainProxy.tlsPort as number, '/r/echo/', viaTls))
      .body) as Echo;
    assert.equal(ignored.remoteAddr, '127.0.0.2');
    assert.equal(ignored.env.HTTPS, undefined);
    assert.match(ignored.fullUrl, /^http:\/\//);
  });

  it('passes a chunked request body through unbuffered', async () => {
    const chunks = ['a'.repeat(10_000), 'b'.repeat(10_000), 'c'.repeat(10_000)];
    const res = await call(proxy.port, '/r/echo/upload', { method: 'POST', chunks });
    assert.equal(res.status, 200);
    const echo = JSON.parse(res.body) as Echo;
    assert.equal(echo.headers['transfer-encoding'], 'chunked');
    assert.equal(echo.bodyLength, 30_000);
    assert.equal(echo.body, chunks.join(''));
  });

  it('answers 413 through nginx for a body over limits.body, declared or chunked', async () => {
    const declared = await call(proxy.port, '/r/echo/', { method: 'POST',
      body: 'x'.repeat(100_000) });
    assert.equal(declared.status, 413);
    assert.match(declared.body, /WARP_E_BODY_TOO_LARGE/);

    const chunked = await call(proxy.port, '/r/echo/', { method: 'POST',
      chunks: Array.from({ length: 10 }, () => 'y'.repeat(10_000)) });
    assert.equal(chunked.status, 413);
    assert.match(chunked.body, /WARP_E_BODY_TOO_LARGE/);

    assert.equal((await call(proxy.port, '/r/hello/')).status, 200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await call(proxy.port, '/r/hello/', { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-length'], '14');
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.body, '');
  });

  // uWS's endWithoutBody(length) used to leave a HEAD response open and drop the connection,
  // so the next request on it failed: directly with a hang-up, through nginx with a 502.
  it('keeps the connection usable after HEAD, directly and through nginx', async () => {
    for (const port of [trusting.port, proxy.port]) {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        for (const [method, path, status] of [['HEAD', '/r/hello/', 200],
          ['GET', '/r/hello/', 200], ['HEAD', '/r/nope/', 404], ['POST', '/r/echo/', 200]]) {
          const res = await call(port, path as string, { method: method as string, agent });
          assert.equal(res.status, status, `${method} ${path} on ${port}`);
        }
      } finally {
        agent.destroy();
      }
    }
  });

  it('handles Expect: 100-continue', async () => {
    const body = 'z'.repeat(20_000);
    const headers = { expect: '100-continue', 'content-length': String(body.length) };
    const viaNginx = await call(proxy.port, '/r/echo/', { method: 'POST', headers, body });
    assert.equal(viaNginx.status, 200);
    assert.equal((JSON.parse(viaNginx.body) as Echo).bodyLength, body.length);
    const direct = await call(trusting.port, '/r/echo/', { method: 'POST', headers, body });
    assert.equal(direct.status, 200);
    assert.equal((JSON.parse(direct.body) as Echo).body, body);
  });

  it('keeps serving after a client leaves in the middle of a 50 MB response', async () => {
    const received = await new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: proxy.port, path: '/r/echo/big/50000000' },
        (res) => {
          let bytes = 0;
          res.on('data', (d: Buffer) => {
            bytes += d.length;
            if (bytes > 1_000_000) {
              req.destroy();
              resolve(bytes);
            }
          });
        });
      req.on('error', (err) => { if (!req.destroyed) reject(err); });
      req.end();
    });
    assert.ok(received < 50_000_000);
    await new Promise((r) => setTimeout(r, 300));
    const res = await call(proxy.port, '/r/echo/big/1000');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'a'.repeat(1000));
  });

  it('answers 500 keep-alive requests over 4 connections, each with its own answer', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const replies = await Promise.all(Array.from({ length: 500 }, async (_, i) => {
        const id = `ka-${i}`;
        const res = await call(proxy.port, `/r/echo/n${i}`, { agent,
          headers: { 'x-request-id': id } });
        return { i, id, status: res.status, echo: JSON.parse(res.body) as Echo };
      }));
      for (const { id, status, echo } of replies) {
        assert.equal(status, 200);
        assert.equal(echo.requestId, id);
      }
      assert.deepEqual(replies.map((r) => r.i), replies.map((r) => Number(r.echo.fullUrl
        .split('/n').pop())));
    } finally {
      agent.destroy();
    }
  });

  it('left no upstream error in the nginx error log, and no error in the nodes', async () => {
    assert.deepEqual(upstreamErrors(await proxy.errorLog()), []);
    assert.deepEqual(upstreamErrors(await plainProxy.errorLog()), []);
    for (const node of [trusting, plain]) {
      assert.deepEqual(node.logs.filter((l) => l.level >= 50), []);
    }
  });
});
