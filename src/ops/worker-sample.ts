// Reads every worker's counters over its control port, at scrape time only. A worker busy in a
// long guest call may not answer in time; it is left out of that sample rather than holding the
// scrape. Scrapes that overlap share one round of calls.

import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { WorkerStats } from '../../workers/app-spec.js';
import { INSTANCE_BOUNDS } from './bucket-counts.js';

const STATS_TIMEOUT_MS = 1000;

export interface WorkerSample {
  slot: number;
  threadId: number | null;
  online: boolean;
  inflight: number;
  /** Null when the worker is restarting or did not answer in time. */
  stats: WorkerStats | null;
}

/** One app's instances summed over the workers that answered. */
export interface AppInstances {
  warm: number;
  busy: number;
  /** Instance creation times, per bucket of INSTANCE_BOUNDS, and their sum in seconds. */
  made: { counts: number[]; sum: number };
}

export interface NodeSample {
  workers: WorkerSample[];
  /** By app name: versions of one app side by side during a deploy are summed. */
  apps: Map<string, AppInstances>;
}

export class WorkerSampler {
  private pending: Promise<NodeSample> | null = null;

  constructor(private readonly dispatcher: Dispatcher) {}

  sample(): Promise<NodeSample> {
    this.pending ??= this.read().finally(() => { this.pending = null; });
    return this.pending;
  }

  private async read(): Promise<NodeSample> {
    const workers = await Promise.all(this.dispatcher.slots.map(async (link, slot) => {
      const online = link?.online ?? false;
      const stats = link != null && online ? await withTimeout(link.stats()) : null;
      return { slot, threadId: link?.threadId ?? null, online, inflight: link?.inflight ?? 0,
        stats };
    }));
    return { workers, apps: sumApps(workers) };
  }
}

function sumApps(workers: WorkerSample[]): Map<string, AppInstances> {
  const apps = new Map<string, AppInstances>();
  for (const worker of workers) {
    for (const app of worker.stats?.apps ?? []) {
      let sum = apps.get(app.name);
      if (sum === undefined) {
        sum = { warm: 0, busy: 0, made: { counts: new Array(INSTANCE_BOUNDS.length + 1).fill(0),
          sum: 0 } };
        apps.set(app.name, sum);
      }
      sum.warm += app.warm;
      sum.busy += app.busy;
      sum.made.sum += app.made.sum;
      app.made.counts.forEach((n, i) => { (sum.made.counts[i] as number) += n; });
    }
  }
  return apps;
}

function withTimeout(stats: Promise<WorkerStats>): Promise<WorkerStats | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), STATS_TIMEOUT_MS);
  });
  return Promise.race([stats.catch(() => null), late]).finally(() => clearTimeout(timer));
}
