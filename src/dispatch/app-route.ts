// The dispatch state of one deployed app version: what it runs, where it lives, and its bounded
// line of requests waiting for a free slot under scale.max.

import type { AppSpec } from '../../workers/app-spec.js';
import type { AppManifest } from '../config/manifest.js';
import type { Exchange } from './exchange.js';

export interface RouteArtifact {
  sha256: string;
  size: number;
  module: WebAssembly.Module | null;
  component: unknown;
}

export class AppRoute {
  /** Requests of this version now running on a worker. */
  inflight = 0;
  /** Requests waiting for `inflight` to drop below scale.max, oldest first. */
  readonly waiting: Exchange[] = [];
  /** Set when a newer version replaced this one or the app was removed. */
  retired = false;
  readonly queueLimit: number;
  /** Moving average of how long a request runs, from dispatch to answer, in ms. */
  serviceMs = 0;

  constructor(
    readonly spec: AppSpec,
    readonly manifest: AppManifest,
    readonly artifact: RouteArtifact,
    /** Worker slots in order of preference: home first. */
    readonly prefs: number[],
    readonly deployedAt: number,
  ) {
    this.queueLimit = Math.max(16, spec.max * 4);
  }

  /** Folds one measured run time into the moving average. */
  observe(ms: number): void {
    this.serviceMs = this.serviceMs === 0 ? ms : this.serviceMs * 0.8 + ms * 0.2;
  }

  /** How long a request joining the queue now can expect to wait before it runs. */
  expectedWait(): number {
    return ((this.waiting.length + 1) * this.serviceMs) / this.spec.max;
  }

  get name(): string {
    return this.spec.name;
  }
}
