// API deployments survive the node: a restart serves them again with their scale, and a kill -9
// at any moment of a stream of deploys leaves every app whole, on its old version or its new.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  ECHO, HELLO, echoEnv, echoVariant, startControlNode, tempDir,
} from './helpers/control-node.js';

const APPS = ['k0', 'k1', 'k2', 'k3'];
const ROUNDS = 4;

interface Stored {
  deployments: Array<{ name: string; sha256: string }>;
}

describe('deployments across restarts', () => {
  it('serves API deployments again after a restart, scale included', async () => {
    const dataDir = await tempDir('restart');
    const first = await startControlNode(dataDir);
    assert.equal((await first.warp('deploy', HELLO)).code, 0);
    assert.equal((await first.warp('deploy', ECHO, '--env', 'V=kept', '--min', '2')).code, 0);
    assert.equal((await first.warp('scale', 'echo', '--max', '7')).code, 0);
    assert.equal(await first.stop(), 0);

    const second = await startControlNode(dataDir);
    try {
      const health = await fetch(`${second.url}/r/hello/health`);
      assert.deepEqual(await health.json(), { status: 'ok' });
      assert.deepEqual(await echoEnv(`${second.url}/r/echo/`), { V: 'kept' });
      const { apps } = JSON.parse((await second.warp('list', '--json')).stdout) as {
        apps: Array<{ name: string; source: string; scale: { min: number; max: number } }>;
      };
      assert.deepEqual(apps.map((a) => [a.name, a.source, a.scale]), [
        ['echo', 'api', { min: 2, max: 7 }],
        ['hello', 'api', { min: 1, max: 64 }],
      ]);
    } finally {
      assert.equal(await second.stop(), 0);
    }
  });

  it('leaves every app whole after kill -9 during deploys', async (t) => {
    const dataDir = await tempDir('kill9');
    const echo = await readFile(ECHO);
    /** The last round whose deploy of each app was acknowledged before the kill. */
    const acked = new Map<string, number>();

    for (let round = 1; round <= ROUNDS; round++) {
      const node = await startControlNode(dataDir);
      await checkWhole(node.url, dataDir, acked, round - 1);
      const token = (await readFile(node.tokenFile, 'utf8')).trim();

      // Each app gets an artifact of its own per round, so the store writes and collects.
      let firstAck: () => void = () => {};
      const acknowledged = new Promise<void>((resolve) => { firstAck = resolve; });
      const deploys = APPS.map((app) => deploy(node.adminUrl, token, app, round,
        echoVariant(echo, `${app}-${round}`)).then((ok) => {
        if (!ok) return;
        acked.set(app, round);
        firstAck();
      }));
      // Odd rounds die early, likely inside the first deploy; even ones after a deploy landed.
      if (round % 2 === 0) await Promise.race([acknowledged, Promise.allSettled(deploys)]);
      await new Promise((r) => setTimeout(r, Math.random() * 150));
      node.child.kill('SIGKILL');
      await Promise.allSettled(deploys);
      assert.equal(await node.stop(), null);
      t.diagnostic(`round ${round}: acknowledged ${[...acked].filter(([, r]) => r === round)
        .map(([app]) => app).join(' ') || 'none'}`);
    }

    const last = await startControlNode(dataDir);
    try {
      await checkWhole(last.url, dataDir, acked, ROUNDS);
      assert.ok(acked.size > 0, 'some deploy finished before a kill');
    } finally {
      assert.equal(await last.stop(), 0);
    }
  });
});

async function deploy(adminUrl: string, token: string, app: string, round: number,
  bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    const res = await fetch(`${adminUrl}/v1/apps`, {
      method: 'POST', body: bytes, headers: {
        authorization: `Bearer ${token}`, 'content-type': 'application/wasm',
        'warp-manifest': JSON.stringify({ name: app, grants: { env: { V: String(round) } } }),
      },
    });
    return res.status === 201;
  } catch {
    return false;
  }
}

/**
 * Every stored app serves, from an artifact that is on disk; an acknowledged deploy is never
 * lost, and an app serves no round later than the last one that was sent.
 */
async function checkWhole(url: string, dataDir: string, acked: Map<string, number>,
  lastSent: number): Promise<void> {
  const stored = await readFile(join(dataDir, 'deployments.json'), 'utf8')
    .then((t) => JSON.parse(t) as Stored, () => ({ deployments: [] }));
  const artifacts = await readdir(join(dataDir, 'artifacts'));
  assert.deepEqual(artifacts.filter((n) => n.includes('.tmp-')), []);

  for (const { name, sha256 } of stored.deployments) {
    assert.ok(artifacts.includes(`${sha256}.wasm`), `${name}: artifact ${sha256} on disk`);
    const env = await echoEnv(`${url}/r/${name}/`);
    assert.equal(typeof env, 'object', `${name} serves`);
    const round = Number((env as Record<string, string>).V);
    assert.ok(round >= (acked.get(name) ?? 1) && round <= lastSent,
      `${name} serves round ${round}; acknowledged ${acked.get(name)}, sent ${lastSent}`);
  }
  for (const app of acked.keys()) {
    assert.ok(stored.deployments.some((d) => d.name === app), `${app} was acknowledged`);
  }
}
