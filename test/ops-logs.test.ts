// Request ids and logs: the id reaches the guest as a header, request log lines carry it, the
// access log is one line per request only when asked for, and a terminal gets readable lines.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  MAIN, manifestDir, manifestFor, startNode, type RunningNode,
} from './helpers/node-process.js';

interface Echo {
  requestId: string;
  headers: Record<string, string>;
}

async function nodeWith(flags: string[]): Promise<RunningNode> {
  const dir = await manifestDir({
    'echo.toml': manifestFor('echo', 'examples/echo/echo.wasm', '[limits]\nbody = "64KiB"'),
    'loop.toml': manifestFor('loop', 'test/guests/loop.wasm', '[limits]\ntimeout = "100ms"'),
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
  return startNode(['--manifests', dir, '--workers', '1', '--admin-port', '0',
    '--data-dir', dataDir, ...flags]);
}

describe('request ids', () => {
  let node: RunningNode;

  before(async () => {
    node = await nodeWith([]);
  });

  after(async () => {
    await node.stop();
  });

  it('gives the guest a generated id as the x-request-id header too', async () => {
    const res = await fetch(`${node.url}/r/echo/`);
    const echo = await res.json() as Echo;
    const id = res.headers.get('x-request-id') ?? '';
    assert.match(id, /^[0-9a-f]{12}-[0-9a-z]+$/);
    assert.equal(echo.requestId, id);
    assert.equal(echo.headers['x-request-id'], id);
  });

  it('replaces an unusable client id in the header the guest sees', async () => {
    const res = await fetch(`${node.url}/r/echo/`, { headers: { 'x-request-id': 'not ok!' } });
    const echo = await res.json() as Echo;
    assert.notEqual(echo.requestId, 'not ok!');
    assert.equal(echo.headers['x-request-id'], echo.requestId);
  });

  it('tags request log lines with the id', async () => {
    const res = await fetch(`${node.url}/r/loop/`, { headers: { 'x-request-id': 'loop-42' } });
    assert.equal(res.status, 504);
    assert.equal(res.headers.get('x-request-id'), 'loop-42');
    const line = await node.waitForLog((l) => l.msg === 'guest interrupted');
    assert.equal(line.requestId, 'loop-42');
    assert.equal(line.app, 'loop');

    await fetch(`${node.url}/r/echo/stderr`, { headers: { 'x-request-id': 'err-7' } });
    assert.equal((await node.waitForLog((l) => l.msg === 'hello from stderr')).requestId, 'err-7');
  });

  it('logs no access lines while --access-log is off', async () => {
    await fetch(`${node.url}/r/echo/`);
    assert.equal(node.logs.filter((l) => l.msg === 'request').length, 0);
  });

  it('shows the id on errors answered before a guest runs', async () => {
    const res = await fetch(`${node.url}/r/echo/`, {
      method: 'POST', body: 'x'.repeat(100_000), headers: { 'x-request-id': 'big-1' },
    });
    assert.equal(res.status, 413);
    assert.equal(res.headers.get('x-request-id'), 'big-1');
  });
});

describe('access log', () => {
  it('writes one info line per request with app, method, path, status, ms and id', async () => {
    const node = await nodeWith(['--access-log']);
    try {
      await fetch(`${node.url}/r/echo/a?b=1`, { headers: { 'x-request-id': 'acc-1' } });
      await fetch(`${node.url}/r/echo/status/404`, { headers: { 'x-request-id': 'acc-2' } });
      await fetch(`${node.url}/r/none/`);
      const lines = [
        await node.waitForLog((l) => l.msg === 'request' && l.requestId === 'acc-1'),
        await node.waitForLog((l) => l.msg === 'request' && l.requestId === 'acc-2'),
        await node.waitForLog((l) => l.msg === 'request' && l.status === 404 && l.app === null),
      ];
      assert.deepEqual(lines.map(({ app, method, path, status, level }) =>
        ({ app, method, path, status, level })), [
        { app: 'echo', method: 'GET', path: '/r/echo/a?b=1', status: 200, level: 30 },
        { app: 'echo', method: 'GET', path: '/r/echo/status/404', status: 404, level: 30 },
        { app: null, method: 'GET', path: '/r/none/', status: 404, level: 30 },
      ]);
      assert.equal(typeof lines[0]?.ms, 'number');
      assert.equal(node.logs.filter((l) => l.msg === 'request').length, 3);
    } finally {
      await node.stop();
    }
  });
});

describe('log format', () => {
  it('prints readable lines, not JSON, when stdout is a terminal', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
    // script(1) runs the node on a pseudo-terminal, as a person starting it by hand would.
    const command = `${process.execPath} ${MAIN} --port 0 --admin-port 0 --workers 1 ` +
      `--data-dir ${dataDir}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    const deadline = Date.now() + 15_000;
    while (!out.includes('node listening') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    const text = out.replace(/\x1b\[[0-9;]*m/g, '');
    assert.match(text, /\[\d\d:\d\d:\d\d\.\d{3}\] INFO: node listening \{.*"port":\d+/);
    assert.doesNotMatch(text, /^\{"level"/m);
  });
});
