// How long and how hard each phase runs: the full profile fits in 10 minutes on the 2-core
// machine, `--quick` in about 2.

import { availableParallelism } from 'node:os';

export interface Profile {
  name: 'full' | 'quick';
  /** Seconds of load per measured point. */
  loadS: number;
  /** Seconds of unrecorded load before a system's first point, so its JIT is warm. */
  warmupS: number;
  concurrencies: readonly number[];
  /** Worker counts for the hello scaling runs: 1, 2, the CPU count, and twice that. */
  workerCounts: readonly number[];
  coldStartReps: number;
  /** No further repetition of a system's cold start once this much time went into it. */
  coldStartBudgetMs: number;
  /** `new WebAssembly.Instance` and restore calls timed in-process. */
  templateCalls: number;
  idleApps: number;
  warmInstances: number;
  manyApps: number;
}

const CPUS = availableParallelism();
const WORKER_COUNTS = [...new Set([1, 2, CPUS, CPUS * 2])].sort((a, b) => a - b);

export const FULL: Profile = {
  name: 'full', loadS: 5, warmupS: 1, concurrencies: [1, 50, 256], workerCounts: WORKER_COUNTS,
  coldStartReps: 3, coldStartBudgetMs: 15_000, templateCalls: 5000, idleApps: 1000,
  warmInstances: 1000, manyApps: 10_000,
};

/**
 * A subset: shorter points, no 256-connection points (whose backlog a component system takes
 * seconds to work off), no worker-count runs, one cold start, 1,000 apps.
 */
export const QUICK: Profile = {
  name: 'quick', loadS: 2, warmupS: 1, concurrencies: [1, 50], workerCounts: [],
  coldStartReps: 1, coldStartBudgetMs: 0, templateCalls: 2000, idleApps: 1000,
  warmInstances: 1000, manyApps: 1000,
};

/** The worker count a node gets by default: one per CPU. */
export const DEFAULT_WORKERS = CPUS;
