// The manifests directory is watched: adding, changing and removing a .toml deploys, updates and
// removes its app within a second; an invalid edit keeps the previous version serving; an API
// deployment of the same name shadows the manifest until it is removed.

import assert from 'node:assert/strict';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
  ECHO, echoEnv, startControlNode, tempDir, waitFor, type ControlNode,
} from './helpers/control-node.js';

/** The watch's promise, with room for a loaded machine; the log shows the real figure. */
const WITHIN_MS = 1000;

function echoToml(name: string, version: string, extra = ''): string {
  return `name = "${name}"\nmodule = "${ECHO}"\n${extra}\n[grants]\nenv = { V = "${version}" }\n`;
}

describe('manifests directory watch', () => {
  let node: ControlNode;
  let dir: string;
  const envOf = (app: string) => echoEnv(`${node.url}/r/${app}/`);
  const serves = (app: string, version: string) => async () => {
    const env = await envOf(app);
    return typeof env === 'object' && env.V === version;
  };

  before(async () => {
    dir = await tempDir('manifests');
    await writeFile(join(dir, 'a.toml'), echoToml('a', '1'));
    node = await startControlNode(await tempDir('watch-data'), ['--manifests', dir]);
  });

  after(async () => {
    assert.equal(await node.stop(), 0);
  });

  it('serves the manifests present at start', async () => {
    assert.deepEqual(await envOf('a'), { V: '1' });
  });

  it('deploys an added manifest', async () => {
    await writeFile(join(dir, 'b.toml'), echoToml('b', '1'));
    await waitFor(serves('b', '1'), WITHIN_MS, 'b deployed');
  });

  it('updates an app when its manifest changes, also by an atomic rename', async () => {
    await writeFile(join(dir, 'a.toml'), echoToml('a', '2'));
    await waitFor(serves('a', '2'), WITHIN_MS, 'a updated in place');
    await writeFile(join(dir, 'a.toml.tmp'), echoToml('a', '3'));
    await rename(join(dir, 'a.toml.tmp'), join(dir, 'a.toml'));
    await waitFor(serves('a', '3'), WITHIN_MS, 'a updated by rename');
  });

  it('keeps the previous version serving after an invalid edit', async () => {
    await writeFile(join(dir, 'a.toml'), echoToml('a', '4', '[scale]\nmax = "many"'));
    const logged = await node.waitForLog((l) => l.level === 50 && l.file !== undefined &&
      String(l.msg).includes('scale.max must be a positive integer'), 3000);
    assert.match(String(logged.msg), /a\.toml: scale\.max .*; the previous version keeps serving$/);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(await envOf('a'), { V: '3' });

    await writeFile(join(dir, 'a.toml'), echoToml('a', '5'));
    await waitFor(serves('a', '5'), WITHIN_MS, 'a fixed');
  });

  it('removes an app when its manifest goes', async () => {
    await unlink(join(dir, 'b.toml'));
    await waitFor(async () => (await envOf('b')) === 404, WITHIN_MS, 'b removed');
  });

  it('lets an API deployment shadow a manifest app until it is removed', async () => {
    const deployed = await node.warp('deploy', ECHO, '--name', 'a', '--env', 'V=api');
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /\nIt shadows the app of the same name in .*a\.toml until/);
    assert.deepEqual(await envOf('a'), { V: 'api' });

    await writeFile(join(dir, 'a.toml'), echoToml('a', '6'));
    await node.waitForLog((l) => l.msg === 'manifest app shadowed by an api deployment' &&
      l.app === 'a' && l.time as number > Date.now() - 2000, 3000);
    assert.deepEqual(await envOf('a'), { V: 'api' });
    const scale = await node.warp('scale', 'a', '--max', '4');
    assert.equal(scale.code, 0, scale.stderr);

    const removed = await node.warp('remove', 'a');
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, /^Removed: a \(its version from .*a\.toml serves again\)\n$/);
    assert.deepEqual(await envOf('a'), { V: '6' });
  });

  it('refuses to scale or remove an app that a manifest defines', async () => {
    const run = await node.warp('remove', 'a');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^warp: app 'a' comes from .*a\.toml, not from the admin API; delete/);
  });
});
