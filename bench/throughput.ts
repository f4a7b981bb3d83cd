// Requests per second and latency of one system at each concurrency: start it, check that it
// answers the hello work correctly, warm it up, load it, stop it.

import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

import { ChildServer } from './child-server.js';
import { expectReply, httpGet } from './http-probe.js';
import { runLoad, type LoadResult } from './load.js';
import type { Profile } from './profile.js';
import type { SystemRun, VariantRun } from './results.js';
import { missingPiece, type SystemDef } from './systems.js';
import type { NodeFlags } from './warpgrid-node.js';
import type { Workspace } from './workspace.js';

const DRAIN_MS = 30_000;

/**
 * Waits until the server answers 200 again once wrk has stopped, so that a slow system's backlog
 * (or its recovery from an overload) is not counted against its next point.
 */
async function drained(port: number, path: string): Promise<void> {
  const since = performance.now();
  let last = 'no answer';
  while (performance.now() - since < DRAIN_MS) {
    const status = await httpGet(port, path, DRAIN_MS).then((r) => r.status,
      (err: Error) => err.message);
    if (status === 200) return;
    last = String(status);
    await sleep(100);
  }
  throw new Error(`GET ${path} did not answer 200 within ${DRAIN_MS} ms after load (${last})`);
}

interface Loaded {
  loads: LoadResult[];
  idleRssKb: number;
  firstOkMs: number;
  /** Why the points stopped short, when they did; the points before it stand. */
  problem: string | null;
}

async function loadPoints(port: number, path: string, profile: Profile,
  concurrencies: readonly number[], loads: LoadResult[]): Promise<void> {
  await runLoad(port, path, 50, profile.warmupS);
  await drained(port, path);
  for (const c of concurrencies) {
    loads.push(await runLoad(port, path, c, profile.loadS));
    await drained(port, path);
  }
}

async function loadSystem(def: SystemDef, ws: Workspace, profile: Profile, flags: NodeFlags,
  concurrencies: readonly number[]): Promise<Loaded> {
  const missing = missingPiece(def);
  if (missing !== null) throw new Error(missing);

  const server = await ChildServer.start(await def.spec(ws, flags));
  try {
    const port = server.port as number;
    await expectReply(port, def.path, def.body, def.contentType);
    const idleRssKb = server.rssKb();
    const loads: LoadResult[] = [];
    const problem = await loadPoints(port, def.path, profile, concurrencies, loads)
      .then(() => null, (err: Error) => err.message);
    return { loads, idleRssKb, firstOkMs: server.firstOkMs, problem };
  } finally {
    await server.stop();
  }
}

function outcome(loaded: Loaded) {
  const { loads, problem } = loaded;
  return { available: loads.length > 0, loads, ...(problem === null ? {} : { reason: problem }) };
}

export async function measureSystem(def: SystemDef, ws: Workspace, profile: Profile,
  flags: NodeFlags): Promise<SystemRun> {
  const base = { id: def.id, label: def.label, path: def.path, loadAvg1m: loadavg()[0] ?? 0 };
  try {
    const loaded = await loadSystem(def, ws, profile, flags, profile.concurrencies);
    return { ...base, idleRssKb: loaded.idleRssKb, firstOkMs: loaded.firstOkMs,
      ...outcome(loaded) };
  } catch (err) {
    return { ...base, available: false, reason: (err as Error).message, loads: [] };
  }
}

/** The same system under other node flags (worker count, dispatch lane). */
export async function measureVariant(def: SystemDef, ws: Workspace, profile: Profile,
  flags: NodeFlags, variant: string, concurrencies: readonly number[]): Promise<VariantRun> {
  const base = { variant, loadAvg1m: loadavg()[0] ?? 0 };
  try {
    return { ...base, ...outcome(await loadSystem(def, ws, profile, flags, concurrencies)) };
  } catch (err) {
    return { ...base, available: false, reason: (err as Error).message, loads: [] };
  }
}
