// What the main thread sends a worker to deploy one version of an app on it.

import type { BucketSnapshot } from '../src/ops/bucket-counts.js';
import type { AppGrants, AppLimits } from './guest-types.js';

export interface AppSpec {
  /** Unique per deployed version, so an old and a new version can run side by side. */
  key: number;
  name: string;
  version: number;
  abi: 'wagi' | 'wasi-http';
  min: number;
  max: number;
  reuse: boolean;
  /** WAGI: 'reset' restores a served instance from its snapshot, 'fresh' makes a new one. */
  recycle: 'reset' | 'fresh';
  /** Idle instances above min are released after this many ms. */
  idle: number;
  limits: AppLimits;
  grants: AppGrants;
}

/** Messages on a worker's control port, from the main thread. */
export type ControlMessage =
  | { op: 'deploy'; id: number; spec: AppSpec; module: WebAssembly.Module | null;
      component: unknown }
  | { op: 'remove'; id: number; key: number }
  | { op: 'stats'; id: number };

/** Replies on a worker's control port, to the main thread. */
export type ControlReply =
  | { op: 'ok'; id: number; stats?: WorkerStats }
  | { op: 'error'; id: number; code: string; message: string };

/** What a worker counts, read at scrape time; the main thread sums apps over workers. */
export interface WorkerStats {
  apps: Array<{
    key: number; name: string; warm: number; busy: number;
    /** Instance creation times in seconds, per bucket of INSTANCE_BOUNDS. */
    made: BucketSnapshot;
  }>;
  /** Request frames this worker has served since it started; absent when it did not answer. */
  requests?: number;
  /** Bytes of this worker's V8 heap in use; absent when it did not answer. */
  heapUsed?: number;
}
