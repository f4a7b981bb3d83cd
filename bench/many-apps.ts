// The many-apps check: RSS per added app, and whether routing time grows with the number of
// apps: the latency of /r/app-1/ on a node with few and with many apps, and the Router alone.

import { ChildServer } from './child-server.js';
import { runLoad, type LoadResult } from './load.js';
import { helloApps, settledRss } from './memory.js';
import type { Profile } from './profile.js';
import type { ManyApps } from './results.js';
import { routeLookupNs } from './route-timing.js';
import { nodeSpec, writeManifests } from './warpgrid-node.js';
import type { Workspace } from './workspace.js';

const FEW_APPS = 10;
const DEPLOY_MS = 400_000;
const PATH = '/r/app-1/';

interface Served {
  rssKb: number;
  firstOkMs: number;
  load: LoadResult;
}

async function serveApps(ws: Workspace, count: number, profile: Profile,
  workers: number): Promise<Served> {
  const manifests = ws.dir(`apps-${count}`);
  await writeManifests(manifests, helloApps(count));
  const spec = nodeSpec(`${count} apps`, manifests, ws.dir(`apps-${count}-data`), { workers },
    PATH, DEPLOY_MS);
  const server = await ChildServer.start(spec);
  try {
    const rssKb = await settledRss(server);
    await runLoad(server.port as number, PATH, 1, profile.warmupS);
    const load = await runLoad(server.port as number, PATH, 1, profile.loadS);
    return { rssKb, firstOkMs: server.firstOkMs, load };
  } finally {
    await server.stop();
  }
}

export async function measureManyApps(ws: Workspace, profile: Profile,
  workers: number): Promise<ManyApps> {
  const few = await serveApps(ws, FEW_APPS, profile, workers);
  const many = await serveApps(ws, profile.manyApps, profile, workers);
  return {
    workers, fewApps: FEW_APPS, manyApps: profile.manyApps,
    fewRssKb: few.rssKb, manyRssKb: many.rssKb,
    perAddedAppKb: (many.rssKb - few.rssKb) / (profile.manyApps - FEW_APPS),
    deployManyMs: many.firstOkMs,
    fewLoad: few.load, manyLoad: many.load,
    routeNsFew: routeLookupNs(FEW_APPS), routeNsMany: routeLookupNs(profile.manyApps),
  };
}
