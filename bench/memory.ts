// Memory of a node: per idle warm hello instance (scale.min=1 against scale.min=N, in the same
// node, so that the difference between two processes does not drown the instances' cost), node
// RSS with no apps and with many apps, and the bare-V8 cost of an instance as the baseline.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ChildServer } from './child-server.js';
import { median } from './cold-start.js';
import { httpGet } from './http-probe.js';
import { HELLO_WASM, PEERS_DIR } from './paths.js';
import type { Profile } from './profile.js';
import type { MemoryFigures } from './results.js';
import { nodeSpec, writeManifests, type BenchApp } from './warpgrid-node.js';
import type { Workspace } from './workspace.js';

const SETTLE_MS = 1500;
const DEPLOY_MS = 300_000;
const REDEPLOY_MS = 120_000;

/** RSS of a node serving these apps, once its deploys are done and it has settled, in KiB. */
async function settledNodeRss(ws: Workspace, label: string, apps: readonly BenchApp[],
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

interface AppInfo {
  name: string;
  version: number;
  min: number;
}

/** Polls /_warp/info until the node's apps satisfy `done`: a change of manifests has landed. */
async function deployed(port: number, what: string, done: (apps: AppInfo[]) => boolean) {
  const since = performance.now();
  while (performance.now() - since < REDEPLOY_MS) {
    const reply = await httpGet(port, '/_warp/info').catch(() => null);
    if (reply !== null && done((JSON.parse(reply.body) as { apps: AppInfo[] }).apps)) return;
    await sleep(200);
  }
  throw new Error(`the node did not deploy ${what} within ${REDEPLOY_MS} ms of its manifests ` +
    'changing');
}

/** RSS of one node serving hello at scale.min=1, then, after its manifest changes, at `warm`. */
async function warmInstanceRss(ws: Workspace, warm: number, workers: number) {
  const hello = (min: number): BenchApp[] =>
    [{ name: 'hello', module: HELLO_WASM, min, max: Math.max(min, 64) }];
  const manifests = ws.dir('rescale-manifests');
  await writeManifests(manifests, hello(1));
  const server = await ChildServer.start(nodeSpec('rescale', manifests, ws.dir('rescale-data'),
    { workers }, '/r/hello/', DEPLOY_MS));
  try {
    const oneWarmKb = await settledRss(server);
    await writeManifests(manifests, hello(warm));
    await deployed(server.port as number, `hello at scale.min=${warm}`,
      (apps) => apps.some((a) => a.name === 'hello' && a.min === warm));
    return { oneWarmKb, manyWarmKb: await settledRss(server) };
  } finally {
    await server.stop();
  }
}

/** RSS of one node serving one app, then, after more manifests appear, `count` apps. */
async function appsRss(ws: Workspace, count: number, workers: number) {
  const manifests = ws.dir('apps-manifests');
  const apps = helloApps(count);
  await writeManifests(manifests, apps.slice(0, 1));
  const server = await ChildServer.start(nodeSpec('apps', manifests, ws.dir('apps-data'),
    { workers }, '/r/app-1/', DEPLOY_MS));
  try {
    const oneAppKb = await settledRss(server);
    await writeManifests(manifests, apps.slice(1));
    await deployed(server.port as number, `${count} apps`, (a) => a.length === count);
    return { oneAppKb, idleAppsKb: await settledRss(server) };
  } finally {
    await server.stop();
  }
}

export async function measureMemory(ws: Workspace, profile: Profile,
  workers: number): Promise<MemoryFigures> {
  const warm = profile.warmInstances;
  const { oneWarmKb, manyWarmKb } = await warmInstanceRss(ws, warm, workers);
  const idleNoAppsKb = await settledNodeRss(ws, 'no-apps', [], workers);
  const { oneAppKb, idleAppsKb } = await appsRss(ws, profile.idleApps, workers);

  return {
    workers, oneWarmKb, manyWarmKb, warmInstances: warm,
    perInstanceKb: (manyWarmKb - oneWarmKb) / (warm - 1),
    bareV8PerInstanceKb: await bareV8PerInstanceKb(warm),
    idleNoAppsKb, idleAppsKb, idleApps: profile.idleApps,
    // Against one app, not none: the first deploy also loads binaryen and warms the deploy path.
    // In one node, so that the difference between two processes does not blur it.
    perAppKb: (idleAppsKb - oneAppKb) / (profile.idleApps - 1),
  };
}
