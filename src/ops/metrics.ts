// /_warp/metrics: the node's counters in Prometheus text format, built with prom-client. Nothing
// here runs per request: every metric is filled in its collect() from the plain counters of the
// front (RequestStats), the workers (WorkerSampler) and the control plane, when scraped.

import {
  collectDefaultMetrics, Counter, Gauge, Registry as PromRegistry,
} from 'prom-client';

import type { Registry } from '../control/registry.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import type { WarpErrorCode } from '../errors.js';
import { BucketHistogram, type LabelledCounts } from './bucket-histogram.js';
import { INSTANCE_BOUNDS, LATENCY_BOUNDS } from './bucket-counts.js';
import { ERROR_CODE_LIST, type RequestStats } from './request-stats.js';
import type { NodeSample, WorkerSampler } from './worker-sample.js';

/** Why a request was turned away without an answer from its guest, by the code it got. */
export const REJECTION_REASONS: ReadonlyArray<readonly [string, WarpErrorCode]> = [
  ['queue_full', 'WARP_E_OVERLOADED'],
  ['body_too_large', 'WARP_E_BODY_TOO_LARGE'],
  ['timeout', 'WARP_E_TIMEOUT'],
];

export interface MetricSources {
  stats: RequestStats;
  sampler: WorkerSampler;
  dispatcher: Dispatcher;
  registry: Registry;
}

export class NodeMetrics {
  readonly prom = new PromRegistry();
  private sample: Promise<NodeSample> | null = null;

  constructor(private readonly src: MetricSources) {
    collectDefaultMetrics({ register: this.prom });
    this.requestMetrics();
    this.instanceMetrics();
    this.nodeMetrics();
  }

  get contentType(): string {
    return this.prom.contentType;
  }

  /** One scrape: the workers are asked once, and every collect() reads that one sample. */
  async text(): Promise<string> {
    this.sample = this.src.sampler.sample();
    try {
      return await this.prom.metrics();
    } finally {
      this.sample = null;
    }
  }

  private workers(): Promise<NodeSample> {
    return this.sample ?? this.src.sampler.sample();
  }

  private requestMetrics(): void {
    const { stats } = this.src;
    const registers = [this.prom];
    new Counter({ name: 'warp_requests_total', help: 'Requests answered, by app and status',
      labelNames: ['app', 'status'], registers,
      collect() {
        this.reset();
        for (const c of stats.apps.values()) {
          c.statuses.forEach((n, status) => {
            if (n > 0) this.inc({ app: c.app, status: String(status) }, n);
          });
        }
      } });
    new Counter({ name: 'warp_unrouted_requests_total', help: 'Requests that matched no app',
      registers, collect() { this.reset(); this.inc(stats.unrouted); } });
    this.prom.registerMetric(new BucketHistogram({ name: 'warp_request_duration_seconds',
      help: 'Time from request head to response written, by app', labelNames: ['app'],
      buckets: LATENCY_BOUNDS,
      read: () => [...stats.apps.values()].map((c): LabelledCounts => ({
        labels: { app: c.app }, counts: c.latency.counts, sum: c.latency.sum })) }));
    this.errorMetrics();
  }

  private errorMetrics(): void {
    const { stats } = this.src;
    const registers = [this.prom];
    new Counter({ name: 'warp_errors_total', help: 'Error answers, by app and WARP_E_ code',
      labelNames: ['app', 'code'], registers,
      collect() {
        this.reset();
        for (const c of stats.apps.values()) {
          c.errors.forEach((n, i) => {
            if (n > 0) this.inc({ app: c.app, code: ERROR_CODE_LIST[i] as string }, n);
          });
        }
      } });
    new Counter({ name: 'warp_rejections_total', help: 'Requests turned away, by app and ' +
      'reason: queue_full (WARP_E_OVERLOADED), body_too_large (WARP_E_BODY_TOO_LARGE), ' +
      'timeout (WARP_E_TIMEOUT)', labelNames: ['app', 'reason'], registers,
      collect() {
        this.reset();
        for (const c of stats.apps.values()) {
          for (const [reason, code] of REJECTION_REASONS) {
            this.inc({ app: c.app, reason }, c.errorsOf(code));
          }
        }
      } });
    new Counter({ name: 'warp_guest_traps_total', help: 'Guests that trapped, by app',
      labelNames: ['app'], registers,
      collect() {
        this.reset();
        for (const c of stats.apps.values()) {
          this.inc({ app: c.app }, c.errorsOf('WARP_E_GUEST_TRAP'));
        }
      } });
  }

  private instanceMetrics(): void {
    const workers = () => this.workers();
    const registers = [this.prom];
    new Gauge({ name: 'warp_instances_warm', help: 'Instances ready to serve, by app',
      labelNames: ['app'], registers,
      async collect() {
        this.reset();
        for (const [app, n] of (await workers()).apps) this.set({ app }, n.warm);
      } });
    new Gauge({ name: 'warp_instances_busy', help: 'Instances serving a request, by app',
      labelNames: ['app'], registers,
      async collect() {
        this.reset();
        for (const [app, n] of (await workers()).apps) this.set({ app }, n.busy);
      } });
    this.prom.registerMetric(new BucketHistogram({ name: 'warp_instance_create_seconds',
      help: 'Time to make one instance, by app', labelNames: ['app'], buckets: INSTANCE_BOUNDS,
      read: async () => [...(await workers()).apps].map(([app, n]): LabelledCounts => ({
        labels: { app }, counts: n.made.counts, sum: n.made.sum })) }));
  }

  private nodeMetrics(): void {
    const { dispatcher, registry } = this.src;
    const workers = () => this.workers();
    const registers = [this.prom];
    new Gauge({ name: 'warp_queue_depth', help: 'Requests waiting for a slot under scale.max',
      labelNames: ['app'], registers,
      collect() {
        this.reset();
        for (const route of registry.apps.values()) {
          this.set({ app: route.name }, route.waiting.length);
        }
      } });
    new Gauge({ name: 'warp_requests_inflight', help: 'Requests running on a worker, by app',
      labelNames: ['app'], registers,
      collect() {
        this.reset();
        for (const route of registry.apps.values()) this.set({ app: route.name }, route.inflight);
      } });
    new Counter({ name: 'warp_worker_restarts_total', help: 'Workers replaced after a failure',
      registers, collect() { this.reset(); this.inc(dispatcher.workerRestarts); } });
    new Counter({ name: 'warp_deploys_total', help: 'App versions deployed', registers,
      collect() { this.reset(); this.inc(registry.deploys); } });
    this.workerMetrics(workers);
  }

  private workerMetrics(workers: () => Promise<NodeSample>): void {
    const registers = [this.prom];
    new Gauge({ name: 'warp_workers_online', help: 'Worker threads ready for requests',
      registers,
      async collect() {
        this.set((await workers()).workers.filter((w) => w.online).length);
      } });
    new Counter({ name: 'warp_worker_requests_total', help: 'Requests served, by worker slot ' +
      '(resets when the worker is replaced)', labelNames: ['worker'], registers,
      async collect() {
        this.reset();
        for (const { slot, stats } of (await workers()).workers) {
          if (stats?.requests !== undefined) this.inc({ worker: String(slot) }, stats.requests);
        }
      } });
    new Gauge({ name: 'warp_worker_heap_bytes', help: 'V8 heap in use, by worker slot',
      labelNames: ['worker'], registers,
      async collect() {
        this.reset();
        for (const { slot, stats } of (await workers()).workers) {
          if (stats?.heapUsed !== undefined) this.set({ worker: String(slot) }, stats.heapUsed);
        }
      } });
  }
}
