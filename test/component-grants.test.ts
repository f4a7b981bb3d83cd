// Grants for wasi-http components: outgoing HTTP to a server of our own on loopback, files,
// key-value stores across a restart, and limits, through hello-js on a real node. The file and
// outbound-policy hosts are also called directly, the way jco's glue calls them.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { FilesHost, type Descriptor } from '../workers/wasi-http/filesystem-host.js';
import { OutboundPolicy, targetOf } from '../workers/wasi-http/outbound-policy.js';
import {
  manifestDir, manifestFor, startNode, type RunningNode,
} from './helpers/node-process.js';

const WASM = 'examples/hello-js/hello-js.wasm';

interface Fetched {
  status?: number;
  body?: string;
  error?: unknown;
}

type Answer = [status: number, headers: Record<string, string>, body: string];

interface Recording {
  server: Server;
  port: number;
  paths: string[];
  /** The most requests it had open at once. */
  peak: number;
}

/**
 * A loopback server that records the paths it was asked for. `/slow` answers after 150 ms;
 * `/hang` never answers.
 */
async function recordingServer(handle: (path: string, body: string) => Answer):
  Promise<Recording> {
  let open = 0;
  const recording = { paths: [] as string[], peak: 0 };
  const server = createServer((req, res) => {
    const path = req.url ?? '';
    recording.paths.push(path);
    open++;
    recording.peak = Math.max(recording.peak, open);
    res.on('close', () => open--);
    if (path === '/hang') return;
    let received = '';
    req.setEncoding('utf8').on('data', (text: string) => { received += text; });
    req.on('end', () => {
      const [status, headers, body] = handle(path, `${req.method} ${received}`);
      setTimeout(() => res.writeHead(status, headers).end(body), path === '/slow' ? 150 : 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return Object.assign(recording, { server, port: (server.address() as AddressInfo).port });
}

/** A granted directory with a file, a subdirectory, a secret beside it and a symlink out. */
async function fileTree(): Promise<{ root: string; granted: string }> {
  const root = await mkdtemp(join(tmpdir(), 'warp-files-'));
  const granted = join(root, 'static');
  await mkdir(join(granted, 'sub'), { recursive: true });
  await writeFile(join(granted, 'a.txt'), 'AAA');
  await writeFile(join(root, 'secret.txt'), 'SECRET');
  await symlink(join(root, 'secret.txt'), join(granted, 'out-link'));
  await symlink(join(granted, 'a.txt'), join(granted, 'in-link'));
  return { root, granted };
}

describe('component grants on a real node', () => {
  let node: RunningNode;
  let dataDir: string;
  let manifests: string;
  let allowed: Recording;
  let other: Recording;

  const get = async (app: string, path: string, init?: RequestInit) => {
    const res = await fetch(`${node.url}/r/${app}${path}`, init);
    return { status: res.status, text: await res.text() };
  };
  const fetchVia = async (target: string, follow = false): Promise<Fetched> => {
    const query = `url=${encodeURIComponent(target)}${follow ? '&follow=1' : ''}`;
    return JSON.parse((await get('grants-a', `/fetch?${query}`)).text) as Fetched;
  };
  const start = () => startNode(['--manifests', manifests, '--data-dir', dataDir,
    '--workers', '1']);

  before(async () => {
    other = await recordingServer(() => [200, {}, 'other']);
    allowed = await recordingServer((path, request) => {
      if (path === '/redirect') return [302, { location: `http://127.0.0.1:${other.port}/t` }, ''];
      if (path === '/echo') return [200, {}, request];
      return [200, { 'content-type': 'text/plain' }, `hello from ${path}`];
    });
    const { granted } = await fileTree();
    dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
    // The node starts empty and listens at once; the first deploy transpiles and instruments
    // hello-js (20 s or more on a busy machine), so it gets its own, longer wait.
    manifests = await manifestDir({});
    node = await start();
    await writeFile(join(manifests, 'grants-a.toml'), manifestFor('grants-a', WASM,
      '[limits]\ntimeout = "2s"\nmemory = "48MiB"\n[grants]\n' +
      `allowed_outbound_hosts = ["http://127.0.0.1:${allowed.port}"]\n` +
      `key_value = ["default"]\nfiles = [{ source = "${granted}", guest = "/static" }]`));
    await node.waitForLog((l) => l.msg === 'app deployed' && l.app === 'grants-a', 180_000);
    // A second app of the same bytes, added once the first is cached, so it is not transpiled.
    await writeFile(join(manifests, 'grants-b.toml'),
      manifestFor('grants-b', WASM, '[grants]\nkey_value = ["default"]'));
    await node.waitForLog((l) => l.msg === 'app deployed' && l.app === 'grants-b', 60_000);
  });

  after(async () => {
    await node?.stop();
    for (const recording of [allowed, other]) {
      recording?.server.closeAllConnections();
      recording?.server.close();
    }
  });

  it('sends an allowed outgoing request and hands back status and body', async () => {
    const result = await fetchVia(`http://127.0.0.1:${allowed.port}/hello?x=1`);
    assert.deepEqual(result, { status: 200, url: `http://127.0.0.1:${allowed.port}/hello?x=1`,
      body: 'hello from /hello?x=1' });
    assert.ok(allowed.paths.includes('/hello?x=1'));
  });

  it('sends the body of an outgoing POST', async () => {
    const res = await get('grants-a', `/fetch?body=${encodeURIComponent('a body, sent')}&url=` +
      encodeURIComponent(`http://127.0.0.1:${allowed.port}/echo`));
    assert.equal((JSON.parse(res.text) as Fetched).body, 'POST a body, sent');
  });

  it('denies a port the grant does not name, and that server hears nothing', async () => {
    const result = await fetchVia(`http://127.0.0.1:${other.port}/nope`);
    assert.ok(result.error !== undefined, JSON.stringify(result));
    assert.deepEqual(other.paths, []);
  });

  it('denies a redirect hop to a target the grant does not name', async () => {
    const result = await fetchVia(`http://127.0.0.1:${allowed.port}/redirect`, true);
    assert.ok(result.error !== undefined, JSON.stringify(result));
    assert.ok(allowed.paths.includes('/redirect'));
    assert.deepEqual(other.paths, []);
  });

  it('has at most 8 outgoing requests of one incoming request in flight', async () => {
    const res = await get('grants-a', `/fetch-many?n=20&url=${encodeURIComponent(
      `http://127.0.0.1:${allowed.port}/slow`)}`);
    assert.deepEqual(JSON.parse(res.text), new Array(20).fill(200));
    assert.ok(allowed.peak > 1 && allowed.peak <= 8, `peak ${allowed.peak}`);
  });

  it('times an outgoing request out before the deadline, so the guest can answer', async () => {
    const t0 = performance.now();
    const res = await get('grants-a', `/fetch?url=${encodeURIComponent(
      `http://127.0.0.1:${allowed.port}/hang`)}`);
    assert.equal(res.status, 502, res.text);
    assert.ok(performance.now() - t0 < 2000);
  });

  it('denies outgoing requests to an app without the grant', async () => {
    const res = await get('grants-b', `/fetch?url=${encodeURIComponent(
      `http://127.0.0.1:${allowed.port}/from-b`)}`);
    assert.equal(res.status, 502);
    assert.ok(!allowed.paths.includes('/from-b'));
  });

  it('reads granted files and refuses escapes and writes', async () => {
    assert.deepEqual(await get('grants-a', '/file?dir=/static&path=a.txt'),
      { status: 200, text: 'AAA' });
    for (const path of ['../secret.txt', '/etc/hostname', 'out-link', 'sub/../../secret.txt']) {
      const res = await get('grants-a', `/file?dir=/static&path=${encodeURIComponent(path)}`);
      assert.deepEqual(res, { status: 403, text: '{"error":"not-permitted"}' }, path);
    }
    const write = await get('grants-a', '/file-write?dir=/static&path=new.txt');
    assert.deepEqual(write, { status: 403, text: '{"error":"read-only"}' });
    assert.deepEqual(JSON.parse((await get('grants-b', '/preopens')).text), []);
  });

  it('runs a guest out of memory past limits.memory with 500, then serves on', async () => {
    assert.equal((await get('grants-a', '/alloc/4')).status, 200);
    const res = await get('grants-a', '/alloc/100');
    assert.equal(res.status, 500);
    assert.equal((JSON.parse(res.text) as { error: { code: string } }).error.code,
      'WARP_E_GUEST_TRAP');
    assert.equal((await get('grants-a', '/health')).status, 200);
  });

  it('interrupts a guest busy past limits.timeout without replacing its worker', async () => {
    const res = await get('grants-a', '/spin/10000');
    assert.equal(res.status, 504);
    await node.waitForLog((l) => l.msg === 'guest interrupted' && l.app === 'grants-a');
    assert.equal((await get('grants-a', '/health')).status, 200);
    assert.ok(!node.logs.some((l) => l.msg.includes('replacing worker')));
  });

  it('keeps key-value data across a restart, per app', async () => {
    const put = await get('grants-a', '/kv/default/greeting', { method: 'PUT', body: 'hi there' });
    assert.equal(put.status, 200);
    assert.deepEqual(JSON.parse((await get('grants-a', '/kv-incr/default/n?by=5')).text),
      { value: 5 });
    assert.deepEqual(JSON.parse((await get('grants-a', '/kv/other/x')).text),
      { error: { tag: 'access-denied' } });

    await node.stop();
    node = await start();
    for (const app of ['grants-a', 'grants-b']) {
      await node.waitForLog((l) => l.msg === 'app deployed' && l.app === app, 60_000);
    }
    assert.deepEqual(await get('grants-a', '/kv/default/greeting'),
      { status: 200, text: 'hi there' });
    assert.deepEqual(JSON.parse((await get('grants-a', '/kv-incr/default/n?by=2')).text),
      { value: 7 });
    // grants-b has a store of the same name, but its own: grants-a's key is not in it.
    assert.equal((await get('grants-b', '/kv/default/greeting')).status, 404);
  });
});

describe('outbound policy', () => {
  const policy = new OutboundPolicy(['https://api.example.com', 'http://127.0.0.1:8080',
    'https://*.example.org', 'http://localhost:*']);
  const allows = (scheme: string, authority: string) => {
    const target = targetOf(scheme, authority);
    return target !== null && policy.allows(target);
  };

  it('matches scheme, host and port, with default ports', () => {
    assert.ok(allows('https', 'api.example.com'));
    assert.ok(allows('https', 'API.example.com:443'));
    assert.ok(!allows('http', 'api.example.com'));
    assert.ok(!allows('https', 'api.example.com:8443'));
    assert.ok(allows('http', '127.0.0.1:8080'));
    assert.ok(!allows('http', '127.0.0.1'));
    assert.ok(!allows('http', '127.0.0.1:8081'));
  });

  it('takes *. as any subdomain but not the domain, and :* as any port', () => {
    assert.ok(allows('https', 'a.example.org'));
    assert.ok(allows('https', 'a.b.example.org'));
    assert.ok(!allows('https', 'example.org'));
    assert.ok(!allows('https', 'evil-example.org'));
    assert.ok(allows('http', 'localhost:1'));
    assert.ok(allows('http', 'localhost'));
  });

  it('refuses authorities that are not a plain host and port', () => {
    for (const authority of ['user@api.example.com', 'api.example.com.', '', ':80',
      'api.example.com:99999', 'api.example.com:x', '::1']) {
      assert.equal(targetOf('https', authority), null, authority);
    }
    assert.deepEqual(targetOf('http', '[::1]:8080'), { scheme: 'http', host: '[::1]', port: 8080 });
  });
});

describe('filesystem host, called as the glue calls it', () => {
  const FOLLOW = { symlinkFollow: true };
  const NO_OPEN = { create: false, directory: false, exclusive: false, truncate: false };
  const READ = { read: true, write: false, mutateDirectory: false };
  let files: FilesHost;
  let dir: Descriptor;

  before(async () => {
    const { granted } = await fileTree();
    files = new FilesHost([{ source: granted, guest: '/static' }]);
    files.begin();
    const found = files.directories();
    assert.equal(found.length, 1);
    assert.equal(found[0]?.[1], '/static');
    dir = found[0]?.[0] as Descriptor;
  });

  const refused = (code: string) => (err: unknown) => err === code;

  it('opens, reads, stats and streams files inside the mapping', () => {
    const file = dir.openAt(FOLLOW, 'sub/../a.txt', NO_OPEN, READ);
    const [bytes, eof] = file.read(100n, 0n);
    assert.equal(Buffer.from(bytes).toString(), 'AAA');
    assert.equal(eof, true);
    assert.deepEqual(file.read(2n, 1n)[0], new TextEncoder().encode('AA'));
    const stat = dir.statAt(FOLLOW, 'in-link') as { type: string; size: bigint };
    assert.equal(stat.type, 'regular-file');
    assert.equal(stat.size, 3n);
    const stream = file.readViaStream(1n);
    assert.equal(Buffer.from(stream.read(10n)).toString(), 'AA');
    assert.throws(() => stream.read(10n), (err: unknown) => (err as { tag: string }).tag ===
      'closed');
    assert.equal(dir.openAt(FOLLOW, 'sub', { ...NO_OPEN, directory: true }, READ).getType(),
      'directory');
  });

  it('refuses paths that leave the mapping with not-permitted', () => {
    for (const path of ['../secret.txt', '/etc/hostname', 'out-link', 'a\u0000b',
      'sub/../../secret.txt']) {
      assert.throws(() => dir.openAt(FOLLOW, path, NO_OPEN, READ), refused('not-permitted'), path);
      assert.throws(() => dir.statAt(FOLLOW, path), refused('not-permitted'), path);
    }
    assert.throws(() => dir.openAt(FOLLOW, 'missing.txt', NO_OPEN, READ), refused('no-entry'));
    assert.throws(() => dir.readlinkAt('out-link'), refused('not-permitted'));
  });

  it('refuses every write with read-only', () => {
    assert.throws(() => dir.openAt(FOLLOW, 'new.txt', { ...NO_OPEN, create: true }, READ),
      refused('read-only'));
    assert.throws(() => dir.openAt(FOLLOW, 'a.txt', NO_OPEN, { ...READ, write: true }),
      refused('read-only'));
    assert.throws(() => dir.openAt(FOLLOW, 'a.txt', { ...NO_OPEN, truncate: true }, READ),
      refused('read-only'));
    const anyDir = dir as unknown as Record<string, (...args: unknown[]) => unknown>;
    for (const write of ['createDirectoryAt', 'unlinkFileAt', 'renameAt', 'symlinkAt',
      'removeDirectoryAt', 'writeViaStream', 'write', 'setSize']) {
      assert.throws(() => anyDir[write]?.('x'), refused('read-only'), write);
    }
  });

  it('closes what a request opened; only the preopen outlives it', () => {
    const file = dir.openAt(FOLLOW, 'a.txt', NO_OPEN, READ);
    files.end();
    assert.deepEqual(files.directories(), []);
    assert.throws(() => dir.stat(), refused('bad-descriptor'));
    files.begin();
    assert.throws(() => file.read(1n, 0n), refused('bad-descriptor'));
    assert.equal((dir.stat() as { type: string }).type, 'directory');
    files.end();
  });
});
