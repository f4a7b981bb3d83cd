// What the admin API says about an app: where it came from, what runs, and how many of its
// instances are warm or busy, as the workers count them.

import type { AppRoute } from '../dispatch/app-route.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';

/** A stats call that a busy worker does not answer in time is left out of the counts. */
const STATS_TIMEOUT_MS = 1000;

export type AppSource = { kind: 'api' } | { kind: 'manifest'; file: string };

export interface InstanceCounts {
  warm: number;
  busy: number;
}

export interface AppView {
  name: string;
  source: 'api' | 'manifest';
  /** The manifest file, for an app from the manifests directory. */
  file: string | null;
  /** False for a stored deployment that failed to load at start; the log says why. */
  serving: boolean;
  version: number | null;
  abi: string | null;
  sha256: string;
  size: number | null;
  route: string | null;
  hosts: readonly string[];
  scale: { min: number; max: number } | null;
  instances: InstanceCounts | null;
  inflight: number;
  queued: number;
  deployedAt: string | null;
}

export function viewOf(route: AppRoute, source: AppSource,
  counts: Map<number, InstanceCounts>): AppView {
  return {
    name: route.name,
    source: source.kind,
    file: source.kind === 'manifest' ? source.file : null,
    serving: true,
    version: route.spec.version,
    abi: route.spec.abi,
    sha256: route.artifact.sha256,
    size: route.artifact.size,
    route: route.manifest.route,
    hosts: route.manifest.hosts,
    scale: { min: route.spec.min, max: route.spec.max },
    instances: counts.get(route.spec.key) ?? null,
    inflight: route.inflight,
    queued: route.waiting.length,
    deployedAt: new Date(route.deployedAt).toISOString(),
  };
}

/** A stored API deployment that is not serving: only what the store knows. */
export function storedView(name: string, sha256: string): AppView {
  return {
    name, source: 'api', file: null, serving: false, version: null, abi: null, sha256,
    size: null, route: null, hosts: [], scale: null, instances: null, inflight: 0, queued: 0,
    deployedAt: null,
  };
}

/** Warm and busy instances per app version, summed over the workers that answer in time. */
export async function instanceCounts(dispatcher: Dispatcher): Promise<Map<number, InstanceCounts>> {
  const counts = new Map<number, InstanceCounts>();
  const replies = await Promise.all(dispatcher.slots.map((link) => {
    if (link === null || !link.online) return null;
    return withTimeout(link.stats(), STATS_TIMEOUT_MS).catch(() => null);
  }));
  for (const stats of replies) {
    for (const app of stats?.apps ?? []) {
      const sum = counts.get(app.key) ?? { warm: 0, busy: 0 };
      sum.warm += app.warm;
      sum.busy += app.busy;
      counts.set(app.key, sum);
    }
  }
  return counts;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
