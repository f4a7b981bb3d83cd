// /_warp/status.json: what the status page shows, read when asked. Rates and p99 cover the last
// minute (or the uptime, when the node is younger than that).

import type { Registry } from '../control/registry.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { VERSION } from '../version.js';
import { LATENCY_BOUNDS, quantileOf } from './bucket-counts.js';
import type { RecentError } from './error-ring.js';
import type { RequestStats } from './request-stats.js';
import type { WorkerSampler } from './worker-sample.js';

const WINDOW_S = 60;

export interface AppStatus {
  name: string;
  version: number;
  abi: string;
  route: string;
  hosts: readonly string[];
  warm: number;
  busy: number;
  inflight: number;
  queued: number;
  /** Answers since the node started, every version of the app. */
  requests: number;
  errors: number;
  /** Over the window. */
  rps: number;
  /** Over the window; null without requests in it. */
  p99Ms: number | null;
}

export interface NodeStatus {
  version: string;
  uptimeS: number;
  windowS: number;
  memory: { rss: number; heapUsed: number; heapTotal: number; workersHeapUsed: number };
  workers: Array<{ slot: number; online: boolean; inflight: number; requests: number | null;
    heapUsed: number | null }>;
  workerRestarts: number;
  deploys: number;
  unrouted: number;
  apps: AppStatus[];
  recentErrors: Array<Omit<RecentError, 'at'> & { at: string }>;
}

export interface StatusSources {
  stats: RequestStats;
  sampler: WorkerSampler;
  dispatcher: Dispatcher;
  registry: Registry;
  startedAt: number;
}

export async function nodeStatus(src: StatusSources): Promise<NodeStatus> {
  const sample = await src.sampler.sample();
  const now = performance.now();
  const uptimeS = (Date.now() - src.startedAt) / 1000;
  const windowS = Math.max(1, Math.min(WINDOW_S, uptimeS));

  const apps = [...src.registry.apps.values()].map((route): AppStatus => {
    const counters = src.stats.forApp(route.name);
    const minute = counters.window.lastMinute(now);
    const inMinute = minute.reduce((a, b) => a + b, 0);
    const p99 = quantileOf(LATENCY_BOUNDS, minute, 0.99);
    const instances = sample.apps.get(route.name);
    return {
      name: route.name, version: route.spec.version, abi: route.spec.abi,
      route: route.manifest.route, hosts: route.manifest.hosts,
      warm: instances?.warm ?? 0, busy: instances?.busy ?? 0,
      inflight: route.inflight, queued: route.waiting.length,
      requests: counters.requests, errors: counters.errors.reduce((a, b) => a + b, 0),
      rps: inMinute / windowS, p99Ms: p99 === null ? null : p99 * 1000,
    };
  });

  const workers = sample.workers.map((w) => ({ slot: w.slot, online: w.online,
    inflight: w.inflight, requests: w.stats?.requests ?? null,
    heapUsed: w.stats?.heapUsed ?? null }));
  const { rss, heapUsed, heapTotal } = process.memoryUsage();
  return {
    version: VERSION, uptimeS, windowS,
    memory: { rss, heapUsed, heapTotal,
      workersHeapUsed: workers.reduce((a, w) => a + (w.heapUsed ?? 0), 0) },
    workers, workerRestarts: src.dispatcher.workerRestarts, deploys: src.registry.deploys,
    unrouted: src.stats.unrouted, apps,
    recentErrors: src.stats.recentErrors.list().map((e) => ({ ...e,
      at: new Date(e.at).toISOString() })),
  };
}
