// Memory of a node: per idle warm hello instance (scale.min=1 against scale.min=N), node RSS with
// no apps and with many apps, and the bare-V8 cost of an instance as the baseline.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ChildServer } from './child-server.js';
import { median } from './cold-start.js';
import { HELLO_WASM, PEERS_DIR } from './paths.js';
import type { Profile } from './profile.js';
import type { MemoryFigures } from './results.js';
import { nodeSpec, writeManifests, type BenchApp } from './warpgrid-node.js';
import type { Workspace } from './workspace.js';

const SETTLE_MS = 1500;
const DEPLOY_MS = 300_000;

/** RSS of a node serving these apps, once its deploys are done and it has settled, in KiB. */
export async function settledNodeRss(ws: Workspace, label: string, apps: readonly BenchApp[],
  workers: number): Promise<number> {
  const manifests = ws.dir(`${label}-manifests`);
  await writeManifests(manifests, apps);
  const spec = nodeSpec(label, manifests, ws.dir(`${label}-data`), { workers },
    '/_warp/health', DEPLOY_MS);
  const server = await ChildServer.start(spec);
  try {
    return await settledRss(server);
  } finally {
    await server.stop();
  }
}

export async function settledRss(server: ChildServer): Promise<number> {
  await sleep(SETTLE_MS);
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    samples.push(server.rssKb());
    await sleep(200);
  }
  return median(samples);
}

export function helloApps(count: number): BenchApp[] {
  return Array.from({ length: count }, (_, i) => ({ name: `app-${i + 1}`, module: HELLO_WASM }));
}

function bareV8PerInstanceKb(count: number): Promise<number> {
  const script = join(PEERS_DIR, 'bare-instances.mjs');
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [script, HELLO_WASM, String(count)], { timeout: 60_000 },
      (err, stdout) => {
        if (err !== null) return reject(err);
        resolve((JSON.parse(stdout) as { perInstanceKb: number }).perInstanceKb);
      });
  });
}

export async function measureMemory(ws: Workspace, profile: Profile,
  workers: number): Promise<MemoryFigures> {
  const warm = profile.warmInstances;
  const hello = (min: number): BenchApp[] =>
    [{ name: 'hello', module: HELLO_WASM, min, max: Math.max(min, 64) }];
  const oneWarmKb = await settledNodeRss(ws, 'min-1', hello(1), workers);
  const manyWarmKb = await settledNodeRss(ws, `min-${warm}`, hello(warm), workers);
  const idleNoAppsKb = await settledNodeRss(ws, 'no-apps', [], workers);
  const idleAppsKb = await settledNodeRss(ws, `${profile.idleApps}-apps`,
    helloApps(profile.idleApps), workers);

  return {
    workers, oneWarmKb, manyWarmKb, warmInstances: warm,
    perInstanceKb: (manyWarmKb - oneWarmKb) / (warm - 1),
    bareV8PerInstanceKb: await bareV8PerInstanceKb(warm),
    idleNoAppsKb, idleAppsKb, idleApps: profile.idleApps,
    // Against one app, not none: the first deploy also loads binaryen and warms the deploy path.
    perAppKb: (idleAppsKb - oneWarmKb) / (profile.idleApps - 1),
  };
}
