// The warp CLI and the admin API against a real node: deploy, list, scale, remove, --json, the
// token, refusals that name their field, and the body caps.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { copyFile, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  ECHO, HELLO, echoEnv, runWarp, startControlNode, tempDir, type ControlNode,
} from './helpers/control-node.js';
import { ROOT } from './helpers/node-process.js';

interface AppView {
  name: string;
  source: string;
  abi: string;
  sha256: string;
  route: string;
  scale: { min: number; max: number };
  instances: { warm: number; busy: number } | null;
}

describe('warp CLI against a node', () => {
  let node: ControlNode;
  let token: string;

  before(async () => {
    node = await startControlNode(await tempDir('cli'));
    token = (await readFile(node.tokenFile, 'utf8')).trim();
  });

  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  it('creates the token file with mode 0600', async () => {
    assert.equal((await stat(node.tokenFile)).mode & 0o777, 0o600);
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  });

  it('deploys a .wasm and serves it', async () => {
    const run = await node.warp('deploy', HELLO);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Deployed: hello \(1 instance, \d+(\.\d)?ms cold start\)\n$/);
    const res = await fetch(`${node.url}/r/hello/health`);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('deploys with env, scale and limits flags', async () => {
    const run = await node.warp('deploy', ECHO, '--name', 'echo', '--env', 'V=1',
      '--env', 'EQ=a=b', '--min', '2', '--max', '8', '--memory', '16MiB', '--timeout', '2s');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Deployed: echo \(2 instances, /);
    assert.deepEqual(await echoEnv(`${node.url}/r/echo/`), { V: '1', EQ: 'a=b' });
  });

  it('lists apps as a table and as JSON', async () => {
    const table = await node.warp('list');
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0] as string, /^NAME +SOURCE +ABI +SHA256 +ROUTE +WARM +BUSY$/);
    assert.match(lines[1] as string, /^echo +api +wagi +[0-9a-f]{12} +\/r\/echo +2 +0$/);
    assert.match(lines[2] as string, /^hello +api +wagi +[0-9a-f]{12} +\/r\/hello +1 +0$/);

    const json = await node.warp('list', '--json');
    const { apps } = JSON.parse(json.stdout) as { apps: AppView[] };
    const echo = apps.find((a) => a.name === 'echo') as AppView;
    assert.equal(echo.sha256.length, 64);
    assert.deepEqual(echo.scale, { min: 2, max: 8 });
    assert.deepEqual(echo.instances, { warm: 2, busy: 0 });
  });

  it('scales an app', async () => {
    const run = await node.warp('scale', 'echo', '--min', '3', '--max', '5');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Scaled: echo (min 3, max 5)\n');
    const one = await node.warp('scale', 'echo', '--max', '6', '--json');
    const { app } = JSON.parse(one.stdout) as { app: AppView };
    assert.deepEqual(app.scale, { min: 3, max: 6 });
    assert.deepEqual(app.instances, { warm: 3, busy: 0 });
    assert.deepEqual(await echoEnv(`${node.url}/r/echo/`), { V: '1', EQ: 'a=b' });
  });

  it('refuses a scale that breaks the manifest rules, naming the field', async () => {
    const run = await node.warp('scale', 'echo', '--max', '1');
    assert.equal(run.code, 1);
    assert.equal(run.stderr, 'warp: POST /v1/apps/echo/scale: scale.max must not be less ' +
      'than scale.min\n');
  });

  it('stores the grants of --allow-host and --file', async () => {
    const run = await node.warp('deploy', ECHO, '--name', 'granted',
      '--allow-host', 'https://*.example.com', '--file', 'examples:/ex', '--json');
    assert.equal(run.code, 0, run.stderr);
    const stored = JSON.parse(await readFile(join(node.dataDir, 'deployments.json'), 'utf8')) as {
      deployments: Array<{ name: string; manifest: { grants: Record<string, unknown> } }>;
    };
    const granted = stored.deployments.find((d) => d.name === 'granted');
    assert.deepEqual(granted?.manifest.grants, {
      allowed_outbound_hosts: ['https://*.example.com'],
      files: [{ source: join(ROOT, 'examples'), guest: '/ex' }],
    });
  });

  it('checks --allow-host and --file before uploading', async () => {
    const host = await node.warp('deploy', ECHO, '--allow-host', 'api.example.com');
    assert.equal(host.code, 2);
    assert.match(host.stderr,
      /grants\.allowed_outbound_hosts\[0\] must look like .* \(set by --allow-host\)/);
    const file = await node.warp('deploy', ECHO, '--file', 'no-such-dir:/x');
    assert.equal(file.code, 2);
    assert.match(file.stderr,
      /^warp: --file 'no-such-dir:\/x': no-such-dir cannot be read \(ENOENT\)/);
  });

  it('deploys from a manifest file, with paths relative to it', async () => {
    const dir = await tempDir('toml');
    await mkdir(join(dir, 'static'));
    await copyFile(ECHO, join(dir, 'guest.wasm'));
    await writeFile(join(dir, 'app.toml'), 'name = "fromfile"\nmodule = "guest.wasm"\n' +
      '[scale]\nmax = 4\n[grants]\nenv = { V = "toml" }\n' +
      'files = [{ source = "static", guest = "/static" }]\n');
    const run = await node.warp('deploy', '--manifest', join(dir, 'app.toml'), '--min', '2');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Deployed: fromfile \(2 instances, /);
    assert.deepEqual(await echoEnv(`${node.url}/r/fromfile/`), { V: 'toml' });
    const { app } = await (await fetch(`${node.adminUrl}/v1/apps/fromfile`, {
      headers: { authorization: `Bearer ${token}` },
    })).json() as { app: AppView };
    assert.deepEqual(app.scale, { min: 2, max: 4 });
  });

  it('refuses an artifact that is not WebAssembly', async () => {
    const run = await node.warp('deploy', join(ROOT, 'test/guests/not-wasm.wasm'));
    assert.equal(run.code, 1);
    assert.equal(run.stderr.split('\n').length, 2, 'one line');
    assert.match(run.stderr, /^warp: app 'not-wasm': not a WebAssembly binary/);
    const json = await node.warp('deploy', join(ROOT, 'test/guests/not-wasm.wasm'), '--json');
    assert.equal(json.code, 1);
    assert.equal(JSON.parse(json.stdout).error.code, 'WARP_E_BAD_ARTIFACT');
  });

  it('refuses a route that another app serves', async () => {
    const run = await node.warp('deploy', ECHO, '--name', 'thief', '--route', '/r/hello', '--json');
    assert.equal(run.code, 1);
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'WARP_E_NAME_TAKEN');
    assert.match(error.message, /route \/r\/hello is already served by app 'hello'/);
    const res = await fetch(`${node.url}/r/hello/health`);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });

  it('refuses a wrong or missing token with the same 401 body', async () => {
    const wrong = join(await tempDir('token'), 'token');
    await writeFile(wrong, 'x'.repeat(43));
    const run = await runWarp(['list', '--server', node.adminUrl, '--token-file', wrong]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^warp: missing or wrong bearer token/);

    const bodies = await Promise.all([
      fetch(`${node.adminUrl}/v1/apps`),
      fetch(`${node.adminUrl}/v1/apps`, { headers: { authorization: `Bearer ${token}x` } }),
      fetch(`${node.adminUrl}/v1/status`, { headers: { authorization: token } }),
      fetch(`${node.adminUrl}/nowhere`, { method: 'DELETE' }),
    ].map(async (p) => {
      const res = await p;
      assert.equal(res.status, 401);
      return res.text();
    }));
    assert.equal(new Set(bodies).size, 1);
  });

  it('names the bad field of a Warp-Manifest header', async () => {
    const res = await fetch(`${node.adminUrl}/v1/apps`, {
      method: 'POST', body: await readFile(ECHO), headers: {
        authorization: `Bearer ${token}`, 'content-type': 'application/wasm',
        'warp-manifest': JSON.stringify({ name: 'x', scale: { max: 0 } }),
      },
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { error: { code: 'WARP_E_BAD_MANIFEST',
      message: 'Warp-Manifest: scale.max must be a positive integer (at most 10000)' } });
  });

  it('caps request bodies before reading them', async () => {
    const status = await declaredBody(node.adminUrl, token, '/v1/apps', 65 * 1024 * 1024);
    assert.equal(status, 413);
    const big = JSON.stringify({ min: 1, pad: 'x'.repeat(70 * 1024) });
    const res = await fetch(`${node.adminUrl}/v1/apps/echo/scale`, {
      method: 'POST', body: big, headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(res.status, 413);
    assert.equal((await res.json() as { error: { code: string } }).error.code,
      'WARP_E_BODY_TOO_LARGE');
  });

  it('shows the status', async () => {
    const run = await node.warp('status');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^WarpGrid \S+, up \d+s\nWorkers: 2 of 2 online, 0 restarts\n/);
    const json = JSON.parse((await node.warp('status', '--json')).stdout) as { draining: boolean };
    assert.equal(json.draining, false);
  });

  it('removes an app', async () => {
    const run = await node.warp('remove', 'granted');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'Removed: granted\n');
    assert.equal((await fetch(`${node.url}/r/granted/`)).status, 404);
    const again = await node.warp('remove', 'granted');
    assert.equal(again.code, 1);
    assert.equal(again.stderr, "warp: no app 'granted' is deployed; see warp list\n");
  });

  it('says where the node is not', async () => {
    const run = await runWarp(['list', '--server', 'http://127.0.0.1:1', '--token-file',
      node.tokenFile]);
    assert.equal(run.code, 1);
    assert.match(run.stderr,
      /^warp: cannot reach the node's admin API at http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)/);
  });
});

describe('admin token file', () => {
  it('reads an existing --admin-token-file instead of making a token', async () => {
    const dataDir = await tempDir('own-token');
    const tokenFile = join(await tempDir('token-dir'), 'token');
    await writeFile(tokenFile, 'an-operator-chosen-token-0123456789\n', { mode: 0o600 });
    const node = await startControlNode(dataDir, ['--admin-token-file', tokenFile]);
    try {
      const run = await runWarp(['status', '--server', node.adminUrl, '--token-file', tokenFile]);
      assert.equal(run.code, 0, run.stderr);
      await assert.rejects(stat(join(dataDir, 'admin-token')), { code: 'ENOENT' });
    } finally {
      assert.equal(await node.stop(), 0);
    }
  });
});

/** Sends only the headers of a POST that declares `length` bytes; resolves with the status. */
function declaredBody(base: string, token: string, path: string, length: number):
  Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-length': length,
        'content-type': 'application/wasm', 'warp-manifest': '{"name":"big"}' },
    }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      req.destroy();
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}
