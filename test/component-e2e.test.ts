// End to end with the real JS component (componentize-js): a real node on port 0, real HTTP.

import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { manifestDir, manifestFor, startNode, type RunningNode } from './helpers/node-process.js';

interface Echo {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  bodyLength: number;
}

const MANIFEST = manifestFor('hello-js', 'examples/hello-js/hello-js.wasm',
  '[scale]\nmin = 2\nmax = 256\n[limits]\ntimeout = "20s"\nbody = "4MiB"\n' +
  '[grants]\nenv = { GREETING = "hi" }');

describe('wasi-http component end to end', () => {
  let node: RunningNode;
  let dataDir: string;
  let manifests: string;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
    manifests = await manifestDir({ 'hello-js.toml': MANIFEST });
    node = await startNode(['--manifests', manifests, '--data-dir', dataDir, '--workers', '2']);
  });

  after(async () => {
    await node.stop();
  });

  it('answers /health', async () => {
    const res = await fetch(`${node.url}/r/hello-js/health`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('echoes a 1 MB POST body, the method, the path and repeated headers', async () => {
    const body = 'x'.repeat(1024 * 1024);
    const headers = new Headers();
    headers.append('x-multi', 'one');
    headers.append('x-multi', 'two');
    const res = await fetch(`${node.url}/r/hello-js/echo/a?q=1`, { method: 'POST', body, headers });
    const echo = await res.json() as Echo;
    assert.equal(res.status, 200);
    assert.equal(echo.method, 'POST');
    assert.equal(echo.path, '/echo/a?q=1');
    assert.equal(echo.bodyLength, body.length);
    assert.equal(echo.body, body);
    assert.equal(echo.headers['x-multi'], 'one, two');
  });

  it('passes statuses other than 200', async () => {
    for (const status of [201, 404, 418, 503]) {
      const res = await fetch(`${node.url}/r/hello-js/status/${status}`);
      assert.equal(res.status, status);
      await res.arrayBuffer();
    }
  });

  it('streams a 10 MB response body', async () => {
    const res = await fetch(`${node.url}/r/hello-js/big/${10 * 1024 * 1024}`);
    assert.equal(res.status, 200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    assert.equal(bytes.length, 10 * 1024 * 1024);
    assert.ok(bytes.every((b) => b === 0x78));
  });

  it('answers a guest that throws with 500, then keeps serving', async () => {
    const res = await fetch(`${node.url}/r/hello-js/throw`, {
      headers: { 'x-request-id': 'throw-check-1' },
    });
    assert.equal(res.status, 500);
    const body = await res.json() as { error: { code: string } };
    assert.equal(body.error.code, 'WARP_E_GUEST_TRAP');
    const stderr = await node.waitForLog((l) =>
      l.stream === 'stderr' && l.requestId === 'throw-check-1');
    assert.equal(stderr.app, 'hello-js');
    assert.equal((await fetch(`${node.url}/r/hello-js/health`)).status, 200);
  });

  it('gives 200 concurrent requests each their own body', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `body-${i}-${Math.random()}`);
    const echoes = await Promise.all(ids.map(async (id) => {
      const res = await fetch(`${node.url}/r/hello-js/echo`, { method: 'POST', body: id });
      assert.equal(res.status, 200);
      return (await res.json() as Echo).body;
    }));
    assert.deepEqual(echoes, ids);
  });

  it('denies what was not granted with the interface error values', async () => {
    const preopens = await (await fetch(`${node.url}/r/hello-js/preopens`)).json();
    assert.deepEqual(preopens, []);
    const outbound = await (await fetch(`${node.url}/r/hello-js/outbound`)).json() as {
      denied: boolean;
    };
    assert.equal(outbound.denied, true);
    const env = await fetch(`${node.url}/r/hello-js/env/GREETING`);
    assert.equal(await env.text(), 'hi');
    const secret = await fetch(`${node.url}/r/hello-js/env/HOME`);
    assert.equal(secret.status, 404);
  });

  it('serves the component after a restart without transpiling again', async () => {
    const first = node.logs.find((l) => l.msg === 'app deployed' && l.app === 'hello-js');
    assert.equal(first?.cacheHit, false);
    await node.stop();
    node = await startNode(['--manifests', manifests, '--data-dir', dataDir, '--workers', '2']);
    const again = node.logs.find((l) => l.msg === 'app deployed' && l.app === 'hello-js');
    assert.equal(again?.cacheHit, true);
    assert.equal((await fetch(`${node.url}/r/hello-js/health`)).status, 200);
  });
});
