// Hostile WAGI guests, one bad thing each: every one gets its exact answer, and the node keeps
// serving the good app next to them.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { manifestDir, manifestFor, startNode, type RunningNode } from './helpers/node-process.js';

interface ErrorBody {
  error: { code: string; message: string };
}

describe('hostile wagi guests', () => {
  let node: RunningNode;
  let jail: string;

  before(async () => {
    jail = await mkdtemp(join(tmpdir(), 'warp-jail-'));
    await mkdir(join(jail, 'etc'));
    await writeFile(join(jail, 'etc/passwd'), 'jailed:x:0:0\n');
    await symlink('/etc', join(jail, 'escape'));
    const guest = (name: string, extra = '') =>
      manifestFor(name, `test/guests/${name}.wasm`, `[limits]\ntimeout = "500ms"\n${extra}`);
    const dir = await manifestDir({
      'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm'),
      'loop.toml': guest('loop'),
      'grow.toml': guest('grow', 'memory = "16MiB"'),
      'recurse.toml': guest('recurse'),
      'passwd.toml': guest('passwd'),
      'jailed.toml': manifestFor('jailed', 'test/guests/passwd.wasm',
        `[[grants.files]]\nsource = "${jail}"\nguest = "/"`),
      'secret-env.toml': guest('secret-env', '[grants]\nenv = { OTHER = "x" }'),
      'crlf-header.toml': guest('crlf-header'),
      'status99.toml': guest('status99'),
      'status1000.toml': guest('status1000'),
      'flood.toml': guest('flood'),
      'exit3.toml': guest('exit3'),
      'spin.toml': manifestFor('spin', 'test/guests/spin-cpu.wasm', '[limits]\ntimeout = "5ms"'),
    });
    node = await startNode(['--manifests', dir, '--workers', '2']);
  });

  after(async () => {
    await node.stop();
  });

  async function expectError(app: string, status: number, code: string, message: RegExp) {
    const res = await fetch(`${node.url}/r/${app}/`);
    assert.equal(res.status, status, app);
    const body = await res.json() as ErrorBody;
    assert.equal(body.error.code, code, app);
    assert.match(body.error.message, message, app);
    const hello = await fetch(`${node.url}/r/hello/health`);
    assert.equal(hello.status, 200, `hello after ${app}`);
  }

  it('stops an endless loop at the deadline with 504, keeping its worker', async () => {
    await expectError('loop', 504, 'WARP_E_TIMEOUT', /did not answer within 500 ms/);
    await node.waitForLog((l) => l.msg === 'guest interrupted' && l.app === 'loop');
    const info = await (await fetch(`${node.url}/_warp/info`)).json() as {
      workerRestarts: number;
    };
    assert.equal(info.workerRestarts, 0);
  });

  it('interrupts a guest that imports WASI functions, not only a bare loop', async () => {
    await expectError('spin', 504, 'WARP_E_TIMEOUT', /did not answer within 5 ms/);
    await node.waitForLog((l) => l.msg === 'guest interrupted' && l.app === 'spin');
  });

  it('fails memory.grow at limits.memory; the trap gets 500', async () => {
    await expectError('grow', 500, 'WARP_E_GUEST_TRAP', /unreachable/);
  });

  it('answers endless recursion with 500', async () => {
    await expectError('recurse', 500, 'WARP_E_GUEST_TRAP', /stack overflow/);
  });

  it('lets a guest with no files grant read nothing', async () => {
    const text = await (await fetch(`${node.url}/r/passwd/`)).text();
    assert.doesNotMatch(text, /root:/);
    assert.equal(text.match(/denied/g)?.length, 3, text);
  });

  it('keeps a files grant inside its directory', async () => {
    const text = await (await fetch(`${node.url}/r/jailed/`)).text();
    assert.match(text, /^\/etc\/passwd: jailed:x:0:0$/m, text);
    assert.match(text, /^\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd: (jailed:x|denied)/m, text);
    assert.match(text, /^path_open: denied: Capabilities insufficient$/m, text);
    assert.doesNotMatch(text, /root:/);
  });

  it('shows a guest only the env it was granted', async () => {
    const text = await (await fetch(`${node.url}/r/secret-env/`)).text();
    assert.equal(text, 'unset');
  });

  it('answers a header with a bare CR with 502', async () => {
    await expectError('crlf-header', 502, 'WARP_E_BAD_RESPONSE', /CR, LF or control/);
  });

  it('answers status 99 and 1000 with 502', async () => {
    await expectError('status99', 502, 'WARP_E_BAD_RESPONSE', /status '99'/);
    await expectError('status1000', 502, 'WARP_E_BAD_RESPONSE', /status '1000'/);
  });

  it('answers 100 MB of stdout with 502', async () => {
    await expectError('flood', 502, 'WARP_E_RESPONSE_TOO_LARGE', /more than \d+ bytes/);
  });

  it('answers exit code 3 with 500', async () => {
    await expectError('exit3', 500, 'WARP_E_GUEST_EXIT', /code 3/);
  });
});

describe('files grant resolution', () => {
  it('refuses absolute paths, .. above the root, NUL and escaping symlinks', async () => {
    const { Preopens, E } = await import('../workers/wagi/preopens.js');
    const root = await mkdtemp(join(tmpdir(), 'warp-fds-'));
    await mkdir(join(root, 'sub'));
    await writeFile(join(root, 'sub/ok.txt'), 'ok');
    await symlink('/etc', join(root, 'out'));
    await symlink(join(root, 'sub'), join(root, 'in'));
    const fds = new Preopens([{ source: root, guest: '/data' }]).table();
    const enc = (s: string) => new TextEncoder().encode(s);
    assert.equal(fds.resolve(3, enc('/etc/passwd')), E.NOTCAPABLE);
    assert.equal(fds.resolve(3, enc('../etc/passwd')), E.NOTCAPABLE);
    assert.equal(fds.resolve(3, enc('sub/../../etc')), E.NOTCAPABLE);
    assert.equal(fds.resolve(3, enc('sub/ok.txt\0x')), E.NOTCAPABLE);
    assert.equal(fds.resolve(3, enc('out/passwd')), E.NOTCAPABLE);
    assert.match(String(fds.resolve(3, enc('in/ok.txt'))), /sub\/ok\.txt$/);
    assert.match(String(fds.resolve(3, enc('sub/./../sub/ok.txt'))), /sub\/ok\.txt$/);
    assert.equal(fds.resolve(9, enc('x')), E.BADF);
    const path = fds.resolve(3, enc('sub/ok.txt')) as string;
    assert.equal(fds.openPath(path, root, 0x1, 0), -E.ROFS);
    assert.equal(fds.openPath(path, root, 0, 0x1), -E.ROFS);
  });
});
