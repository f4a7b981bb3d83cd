// Deploys and shutdown under load: redeploying an app 20 times while autocannon drives it fails
// no request and every answer comes from one of its versions; SIGTERM under load lets every
// request already running finish, then the node exits 0.

import assert from 'node:assert/strict';
import { Agent, get } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import autocannon from 'autocannon';

import { ECHO, startControlNode, tempDir } from './helpers/control-node.js';
import { ROOT } from './helpers/node-process.js';

const SPIN = join(ROOT, 'test/guests/spin-cpu.wasm');
const REDEPLOYS = 20;
const CONNECTIONS = 50;

describe('control plane under load', () => {
  it(`redeploys an app ${REDEPLOYS} times under load without a failed request`, async (t) => {
    const node = await startControlNode(await tempDir('redeploy'));
    const token = (await readFile(node.tokenFile, 'utf8')).trim();
    const echo = await readFile(ECHO);
    const redeploy = async (version: number) => {
      const res = await fetch(`${node.adminUrl}/v1/apps`, {
        method: 'POST', body: echo, headers: {
          authorization: `Bearer ${token}`, 'content-type': 'application/wasm',
          'warp-manifest': JSON.stringify({ name: 'echo', scale: { min: 2, max: 64 },
            grants: { env: { V: String(version) } } }),
        },
      });
      assert.equal(res.status, 201, await res.text());
    };
    await redeploy(0);

    const versions = new Map<string, number>();
    let foreign = 0;
    let finish: (result: autocannon.Result) => void = () => {};
    const done = new Promise<autocannon.Result>((resolve) => { finish = resolve; });
    const load = autocannon({
      url: `${node.url}/r/echo/`, connections: CONNECTIONS, duration: 30,
      requests: [{
        method: 'GET',
        onResponse: (status: number, body: string) => {
          const v = status === 200 ? (JSON.parse(body) as { env: { V?: string } }).env.V : null;
          if (typeof v === 'string') versions.set(v, (versions.get(v) ?? 0) + 1);
          else foreign++;
        },
      }],
    }, (err, result) => {
      assert.ifError(err);
      finish(result);
    });

    try {
      await new Promise((r) => setTimeout(r, 500));
      for (let version = 1; version <= REDEPLOYS; version++) {
        await redeploy(version);
        await new Promise((r) => setTimeout(r, 250));
      }
    } finally {
      load.stop();
    }
    const result = await done;
    t.diagnostic(`${result.requests.total} requests; answers by version: ` +
      [...versions].map(([v, n]) => `${v}:${n}`).join(' '));

    assert.equal(result.errors, 0, 'connection errors');
    assert.equal(result.timeouts, 0, 'timeouts');
    assert.equal(result.non2xx, 0, 'non-2xx answers');
    assert.equal(foreign, 0, 'answers without a version');
    for (const v of versions.keys()) assert.ok(Number(v) >= 0 && Number(v) <= REDEPLOYS, v);
    assert.ok(versions.has(String(REDEPLOYS)), 'the last version served');
    assert.ok(versions.size > REDEPLOYS / 2, 'versions were swapped under load');
    assert.equal(await node.stop(), 0);
  });

  it('serves the requests queued on a version that a redeploy replaces', async () => {
    const node = await startControlNode(await tempDir('queued'));
    // scale.max 2 under 10 clients keeps requests queued on each version as it is replaced.
    const deploy = (v: number) => node.warp('deploy', ECHO, '--max', '2', '--env', `V=${v}`);
    assert.equal((await deploy(0)).code, 0);

    const answers = new Map<string, number>();
    const until = performance.now() + 3000;
    const clients = Array.from({ length: 10 }, async () => {
      while (performance.now() < until) {
        const res = await fetch(`${node.url}/r/echo/`);
        const key = res.status === 200 ? '200' : `${res.status} ${await res.text()}`;
        if (res.status === 200) await res.arrayBuffer();
        answers.set(key, (answers.get(key) ?? 0) + 1);
      }
    });
    for (let v = 1; v <= 5; v++) {
      assert.equal((await deploy(v)).code, 0);
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(clients);

    assert.deepEqual([...answers.keys()], ['200']);
    assert.equal(await node.stop(), 0);
  });

  it('drains in-flight requests on SIGTERM and exits 0', async (t) => {
    const manifests = await tempDir('drain-manifests');
    await writeFile(join(manifests, 'echo.toml'),
      `name = "echo"\nmodule = "${ECHO}"\n[scale]\nmin = 2\nmax = 64\n`);
    const node = await startControlNode(await tempDir('drain'),
      ['--manifests', manifests, '--drain-timeout', '10s']);
    const exited = new Promise<number | null>((r) => node.child.once('exit', (code) => r(code)));

    const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
    const outcomes: Outcome[] = [];
    const deadline = performance.now() + 20_000;
    const loops = Array.from({ length: CONNECTIONS }, () =>
      clientLoop(`${node.url}/r/echo/`, agent, outcomes, deadline));

    await new Promise((r) => setTimeout(r, 1500));
    const signalAt = performance.now();
    node.child.kill('SIGTERM');
    const code = await exited;
    await Promise.all(loops);
    agent.destroy();

    const before = outcomes.filter((o) => o.sentAt < signalAt);
    const drained = before.filter((o) => o.status === 200 && o.doneAt > signalAt);
    const failed = before.filter((o) => o.status !== 200 && o.code !== 'WARP_E_DRAINING');
    const later = outcomes.filter((o) => o.sentAt >= signalAt);
    const laterBad = later.filter((o) => o.status !== null && o.status !== 200 &&
      o.code !== 'WARP_E_DRAINING');
    t.diagnostic(`${before.length} requests sent before SIGTERM, ${drained.length} of them ` +
      `finished during the drain; ${later.length} sent after it`);

    assert.equal(code, 0);
    assert.deepEqual(failed, [], 'requests sent before SIGTERM that failed');
    assert.ok(drained.length > 0, 'some requests were in flight at SIGTERM and finished');
    assert.deepEqual(laterBad, [], 'answers after SIGTERM are 200 or 503 draining');
    const log = await node.waitForLog((l) => l.msg === 'drained' || l.msg.startsWith('drain '));
    assert.equal(log.msg, 'drained');
  });

  it('refuses deploys while draining, and finishes slow requests first', async () => {
    const manifests = await tempDir('slow-manifests');
    await writeFile(join(manifests, 'spin.toml'),
      `name = "spin"\nmodule = "${SPIN}"\n[scale]\nmin = 2\n[limits]\ntimeout = "10s"\n`);
    const node = await startControlNode(await tempDir('slow'), ['--manifests', manifests]);
    const token = (await readFile(node.tokenFile, 'utf8')).trim();
    const exited = new Promise<number | null>((r) => node.child.once('exit', (code) => r(code)));

    // CPU-bound requests, several per worker, keep the drain open long enough to try a deploy.
    const agent = new Agent();
    const slow = Array.from({ length: 6 }, () => getOnce(`${node.url}/r/spin/`, agent));
    await new Promise((r) => setTimeout(r, 50));
    node.child.kill('SIGTERM');
    await node.waitForLog((l) => l.msg === 'draining');
    const res = await fetch(`${node.adminUrl}/v1/apps`, {
      method: 'POST', body: await readFile(ECHO), headers: {
        authorization: `Bearer ${token}`, 'content-type': 'application/wasm',
        'warp-manifest': '{"name":"late"}',
      },
    });

    assert.equal(res.status, 503);
    assert.equal((await res.json() as { error: { code: string } }).error.code,
      'WARP_E_DRAINING');
    assert.deepEqual((await Promise.all(slow)).map((o) => o.status), Array(6).fill(200));
    assert.equal(await exited, 0);
  });
});

interface Outcome {
  sentAt: number;
  doneAt: number;
  status: number | null;
  /** The WARP_E_ code of an error answer, or the socket error's code. */
  code: string | null;
}

/** One keep-alive connection's worth of load; stops once the node refuses connections. */
async function clientLoop(url: string, agent: Agent, outcomes: Outcome[], deadline: number):
  Promise<void> {
  while (performance.now() < deadline) {
    const sentAt = performance.now();
    const { status, code } = await getOnce(url, agent);
    outcomes.push({ sentAt, doneAt: performance.now(), status, code });
    if (code === 'ECONNREFUSED') return;
  }
}

function getOnce(url: string, agent: Agent):
  Promise<{ status: number | null; code: string | null }> {
  return new Promise((resolve) => {
    const req = get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        const text = Buffer.concat(chunks).toString();
        const code = status === 200 ? null
          : (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? null;
        resolve({ status, code });
      });
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: null,
        code: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: null,
      code: err.code ?? err.message }));
  });
}
