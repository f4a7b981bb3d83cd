// End to end: a real node on port 0 serving the real hello and echo guests over HTTP.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { manifestDir, manifestFor, startNode, type RunningNode } from './helpers/node-process.js';

interface Echo {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  env: Record<string, string>;
  args: string[];
  bodyLength: number;
  body: string;
  requestId: string;
  scriptName: string;
}

describe('wagi guests end to end', () => {
  let node: RunningNode;

  before(async () => {
    const dir = await manifestDir({
      'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm', '[scale]\nmin = 2'),
      'echo.toml': manifestFor('echo', 'examples/echo/echo.wasm',
        '[scale]\nmin = 2\nmax = 600\n[limits]\nbody = "2MiB"\n' +
        '[grants]\nenv = { GREETING = "hi" }'),
    });
    node = await startNode(['--manifests', dir, '--workers', '2']);
  });

  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  it('answers hello /health with JSON', async () => {
    const res = await fetch(`${node.url}/r/hello/health`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('passes GET with a query, argv and granted env', async () => {
    const res = await fetch(`${node.url}/r/echo/a/b?x=1&y=two%20words`);
    const echo = await res.json() as Echo;
    assert.equal(echo.method, 'GET');
    assert.equal(echo.path, '/a/b');
    assert.equal(echo.scriptName, '/r/echo');
    assert.equal(echo.query, 'x=1&y=two%20words');
    assert.deepEqual(echo.args, ['/r/echo/a/b', 'x=1', 'y=two words']);
    assert.deepEqual(echo.env, { GREETING: 'hi' });
  });

  it('passes a 1 MB POST body byte for byte', async () => {
    const body = 'abcdefghij'.repeat(100_000) + 'é';
    const res = await fetch(`${node.url}/r/echo/upload`, { method: 'POST', body });
    const echo = await res.json() as Echo;
    assert.equal(res.status, 200);
    assert.equal(echo.bodyLength, Buffer.byteLength(body));
    assert.equal(echo.body, body);
  });

  it('answers HEAD with headers and no body', async () => {
    const res = await fetch(`${node.url}/r/hello/`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain');
    assert.equal(res.headers.get('content-length'), String('Hello, world!\n'.length));
    assert.equal(await res.text(), '');
  });

  it('joins repeated headers and passes a UTF-8 path decoded', async () => {
    const headers = new Headers();
    headers.append('x-multi', 'one');
    headers.append('x-multi', 'two');
    const res = await fetch(`${node.url}/r/echo/caf%C3%A9/%E2%9C%93`, { headers });
    const echo = await res.json() as Echo;
    assert.equal(echo.path, '/café/✓');
    assert.equal(echo.headers['x-multi'], 'one, two');
  });

  it('answers an unknown app with a JSON 404', async () => {
    const res = await fetch(`${node.url}/r/nope/x`);
    assert.equal(res.status, 404);
    const body = await res.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'WARP_E_NO_SUCH_APP');
    assert.match(body.error.message, /\/r\/nope/);
  });

  it('answers a trapping guest with 500 and keeps serving', async () => {
    const res = await fetch(`${node.url}/r/echo/trap`);
    assert.equal(res.status, 500);
    const body = await res.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'WARP_E_GUEST_TRAP');
    assert.match(body.error.message, /unreachable/);
    const again = await fetch(`${node.url}/r/echo/after-trap`);
    assert.equal(again.status, 200);
  });

  it('answers a non-zero exit with 500', async () => {
    const res = await fetch(`${node.url}/r/echo/exit3`);
    assert.equal(res.status, 500);
    const body = await res.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'WARP_E_GUEST_EXIT');
    assert.match(body.error.message, /code 3/);
  });

  it('follows WAGI status and location headers, and rejects bad output with 502', async () => {
    const status = await fetch(`${node.url}/r/echo/status/404`);
    assert.equal(status.status, 404);
    assert.equal(await status.text(), 'status 404\n');

    const redirect = await fetch(`${node.url}/r/echo/redirect`, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), '/r/echo/landed');

    for (const path of ['noctype', 'badheader']) {
      const res = await fetch(`${node.url}/r/echo/${path}`);
      assert.equal(res.status, 502, path);
      const body = await res.json() as { error: { code: string } };
      assert.equal(body.error.code, 'WARP_E_BAD_RESPONSE');
    }
  });

  it('logs guest stderr tagged with the app and request id', async () => {
    const res = await fetch(`${node.url}/r/echo/stderr`, {
      headers: { 'x-request-id': 'stderr-check-1' },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-request-id'), 'stderr-check-1');
    const line = await node.waitForLog((l) => l.msg === 'hello from stderr');
    assert.equal(line.app, 'echo');
    assert.equal(line.requestId, 'stderr-check-1');
  });

  it('gives 500 concurrent requests each their own answer', async () => {
    const ids = Array.from({ length: 500 }, (_, i) => `req-${i}-${Math.random().toString(36)}`);
    const results = await Promise.all(ids.map(async (id) => {
      const res = await fetch(`${node.url}/r/echo/id?id=${id}`, {
        method: 'POST', body: id, headers: { 'x-request-id': id, 'x-own-id': id },
      });
      return { id, status: res.status, echo: await res.json() as Echo };
    }));
    for (const { id, status, echo } of results) {
      assert.equal(status, 200);
      assert.equal(echo.body, id);
      assert.equal(echo.requestId, id);
      assert.equal(echo.headers['x-own-id'], id);
      assert.equal(echo.query, `id=${id}`);
    }
  });

  it('reports the node, its workers and apps on /_warp/info', async () => {
    const health = await fetch(`${node.url}/_warp/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const info = await (await fetch(`${node.url}/_warp/info`)).json() as {
      version: string; uws: { native: boolean }; workers: unknown[];
      apps: Array<{ name: string; abi: string }>;
    };
    assert.equal(info.uws.native, true);
    assert.equal(info.workers.length, 2);
    assert.deepEqual(info.apps.map((a) => a.name).sort(), ['echo', 'hello']);
    assert.ok(info.apps.every((a) => a.abi === 'wagi'));
  });
});

describe('a manifests directory with bad entries', () => {
  it('serves the good apps and reports the bad ones with file and field', async () => {
    const dir = await manifestDir({
      'good.toml': manifestFor('good', 'examples/hello/hello.wasm'),
      'bad-scale.toml': manifestFor('badscale', 'examples/hello/hello.wasm', '[scale]\nmin = -1'),
      'not-toml.toml': 'name = "x\n',
      'not-wasm.toml': manifestFor('notwasm', 'test/guests/not-wasm.wasm'),
      'missing.toml': manifestFor('missing', 'examples/nope.wasm'),
    });
    const node = await startNode(['--manifests', dir, '--workers', '1']);
    try {
      const ok = await fetch(`${node.url}/r/good/health`);
      assert.equal(ok.status, 200);
      const errors = node.logs.filter((l) => l.level >= 50).map((l) => l.msg);
      assert.ok(errors.some((m) => /bad-scale\.toml: scale\.min must be a non-negative integer/
        .test(m)), errors.join('\n'));
      assert.ok(errors.some((m) => /not-toml\.toml: not valid TOML/.test(m)), errors.join('\n'));
      assert.ok(errors.some((m) => /not-wasm\.toml: not a WebAssembly binary/.test(m)));
      assert.ok(errors.some((m) => /missing\.toml: module .* cannot be read: ENOENT/.test(m)));
      const gone = await fetch(`${node.url}/r/notwasm/`);
      assert.equal(gone.status, 404);
    } finally {
      await node.stop();
    }
  });
});
