// The dispatcher: a piscina pool whose load balancer sends each request to a worker chosen here,
// the app's home shard unless it is saturated. It also places app versions on workers, bounds
// each app's concurrency, and stops requests that pass their deadline.

import { fileURLToPath } from 'node:url';
import type { MessagePort, Worker } from 'node:worker_threads';

import type { Logger } from 'pino';
import { Piscina } from 'piscina';

import { WarpError, warpCodeOf } from '../errors.js';
import type { AppRoute } from './app-route.js';
import type { Exchange } from './exchange.js';
import { WorkerLink } from './worker-link.js';

/** A worker with this many requests queued on it counts as saturated. */
const SPILL_DEPTH = 2;
/** A worker whose oldest request has run this long is stuck in a guest: avoid it. */
const STALL_MS = 5;
/** How many shards, home included, a hot app may spread over. */
const SPILL_WIDTH = 3;
const WATCHDOG_MS = 10;
/** How long an interrupted guest has to stop before its worker is replaced. */
const STOP_GRACE_MS = 250;
/** A queued request may spend at most this share of its deadline waiting. */
const QUEUE_SHARE = 0.5;

const WORKER_FILE = fileURLToPath(new URL('../../workers/worker.js', import.meta.url));

/** piscina hands this key of a task to the balancer; it carries the worker chosen here. */
const CHOSEN: symbol = Piscina.queueOptionsSymbol;

interface PoolWorker {
  readonly id: number;
}

/** What a worker posts once at start-up: its two ports. */
interface WorkerHello {
  warpControl?: MessagePort;
  warpRequests?: MessagePort;
  interruptFlags?: SharedArrayBuffer;
  threadId?: number;
}

/**
 * How a request reaches its worker. 'port': a MessagePort per worker, one transferred frame each
 * way. 'piscina': pool.run with the balancer; the same placement, with piscina's per-task cost.
 */
export type DispatchLane = 'port' | 'piscina';

export interface DispatcherOptions {
  workers: number;
  logLevel: string;
  /** The node's data directory; workers keep wasi:keyvalue stores under it. */
  dataDir: string;
  lane: DispatchLane;
  log: Logger;
}

export class Dispatcher {
  readonly slots: Array<WorkerLink | null>;
  private readonly pool: Piscina;
  private readonly log: Logger;
  private readonly lane: DispatchLane;
  private readonly created = new Map<number, Worker | null>();
  private readonly running = new Set<Exchange>();
  /** Requests waiting in some app's line, so the watchdog can expire them too. */
  private readonly queued = new Set<Exchange>();
  private readonly watchdog: NodeJS.Timeout;
  private readonly onWorkerJoin: Array<(link: WorkerLink) => void> = [];
  workerRestarts = 0;

  constructor(opts: DispatcherOptions) {
    this.log = opts.log;
    this.lane = opts.lane;
    this.slots = new Array<WorkerLink | null>(opts.workers).fill(null);
    this.pool = new Piscina({
      filename: WORKER_FILE,
      minThreads: opts.workers,
      maxThreads: opts.workers,
      idleTimeout: Infinity,
      concurrentTasksPerWorker: 1024,
      maxQueue: Infinity,
      atomics: 'disabled',
      workerData: { logLevel: opts.logLevel, dataDir: opts.dataDir },
      loadBalancer: (task, workers) => pickChosen(task, workers),
    });
    this.pool.on('message', (msg: WorkerHello) => {
      if (msg.warpControl && msg.warpRequests && msg.threadId !== undefined) this.join(msg);
    });
    this.pool.on('workerCreate', (w: PoolWorker) => this.onCreate(w));
    this.pool.on('workerDestroy', (w: PoolWorker) => this.onDestroy(w));
    this.pool.on('error', (err: Error) => this.log.error({ err }, 'worker pool error'));
    this.watchdog = setInterval(() => this.expire(), WATCHDOG_MS).unref();
  }

  /** Resolves once every slot has a worker that can take deploys. */
  async ready(timeoutMs = 10_000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (this.slots.some((s) => s === null || !s.online)) {
      if (performance.now() > until) throw new Error('workers did not start in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Called for every worker that joins, first start or replacement, to place apps on it. */
  onJoin(fn: (link: WorkerLink) => void): void {
    this.onWorkerJoin.push(fn);
  }

  /** Sends an app version to a worker and resolves when the worker has its template. */
  async place(route: AppRoute, link: WorkerLink): Promise<void> {
    if (link.keys.has(route.spec.key)) return;
    const { module, component } = route.artifact;
    await link.send({ op: 'deploy', spec: route.spec, module, component });
    if (route.retired) {
      void link.send({ op: 'remove', key: route.spec.key }).catch(() => {});
      return;
    }
    link.keys.add(route.spec.key);
    this.pump(route);
  }

  /** Frees a version's templates and instances on every worker once its requests are done. */
  retire(route: AppRoute): void {
    route.retired = true;
    for (const ex of route.waiting.splice(0)) {
      this.queued.delete(ex);
      ex.fail('WARP_E_NO_SUCH_APP', `app '${route.name}' was removed`);
    }
    if (route.inflight === 0) this.unplace(route);
  }

  submit(ex: Exchange): void {
    const route = ex.route;
    if (route.inflight < route.spec.max) return this.start(ex);
    // Refuse at once what could not run before its deadline: a fast 503 beats a slow one.
    if (route.waiting.length >= route.queueLimit ||
      route.expectedWait() > route.spec.limits.timeout * QUEUE_SHARE) {
      return ex.fail('WARP_E_OVERLOADED', `app '${route.name}' is at scale.max ` +
        `(${route.spec.max}) with a full queue; retry later`);
    }
    route.waiting.push(ex);
    this.queued.add(ex);
  }

  async close(): Promise<void> {
    clearInterval(this.watchdog);
    await this.pool.destroy();
  }

  private start(ex: Exchange): void {
    const route = ex.route;
    // One clock read serves the choice, the run-time average and the stall check.
    const now = performance.now();
    const link = this.choose(route, now);
    if (link === null) {
      // Its worker is being replaced: wait for the app to be placed on the new one.
      route.waiting.unshift(ex);
      this.queued.add(ex);
      return;
    }
    ex.link = link;
    ex.dispatchedAt = now;
    link.enter(now);
    route.inflight++;
    this.running.add(ex);
    link.number(ex);
    if (this.lane === 'port') return link.post(ex);
    const frame = ex.frame;
    this.pool.run({ frame, [CHOSEN]: link }, { transferList: [frame.buffer as ArrayBuffer] })
      .then((out: Uint8Array) => this.finish(ex, out, null),
        (err: unknown) => this.finish(ex, null, err));
  }

  private readonly finish = (ex: Exchange, out: Uint8Array | null, err: unknown): void => {
    const route = ex.route;
    const now = performance.now();
    ex.link?.leave(now);
    route.inflight--;
    route.observe(now - ex.dispatchedAt);
    this.running.delete(ex);
    if (!ex.finished) {
      if (out !== null) ex.respond(out);
      else ex.fail(warpCodeOf(err) ?? 'WARP_E_WORKER_LOST', workerFailure(err));
    }
    this.pump(route);
    if (route.retired && route.inflight === 0) this.unplace(route);
  };

  /** Starts waiting requests while the app is under scale.max and a worker holds it. */
  private pump(route: AppRoute): void {
    while (route.inflight < route.spec.max && route.waiting.length > 0) {
      if (this.choose(route, performance.now()) === null) return;
      const next = route.waiting.shift() as Exchange;
      this.queued.delete(next);
      if (!next.finished) this.start(next);
    }
  }

  /** Home shard first; a saturated home spills to the next shards in the app's order. */
  private choose(route: AppRoute, now: number): WorkerLink | null {
    let best: WorkerLink | null = null;
    let bestLoad = Infinity;
    const width = Math.min(SPILL_WIDTH, route.prefs.length);
    for (let i = 0; i < width; i++) {
      const link = this.slots[route.prefs[i] as number];
      if (link == null || !link.online) continue;
      if (!link.keys.has(route.spec.key)) {
        if (best !== null && bestLoad >= SPILL_DEPTH) this.spillTo(route, link);
        continue;
      }
      const load = link.stalledSince(now - STALL_MS) ? Infinity : link.inflight;
      if (load < SPILL_DEPTH) return link;
      if (best === null || load < bestLoad) {
        best = link;
        bestLoad = load;
      }
    }
    return best ?? this.anyHolder(route);
  }

  private anyHolder(route: AppRoute): WorkerLink | null {
    for (const link of this.slots) {
      if (link?.online && link.keys.has(route.spec.key)) return link;
    }
    return null;
  }

  private spillTo(route: AppRoute, link: WorkerLink): void {
    this.place(route, link).catch((err: unknown) =>
      this.log.warn({ app: route.name, err }, 'spill placement failed'));
  }

  private unplace(route: AppRoute): void {
    for (const link of this.slots) {
      if (link === null || !link.keys.delete(route.spec.key)) continue;
      link.send({ op: 'remove', key: route.spec.key }).catch(() => {});
    }
  }

  /**
   * Answers 504 for requests past their deadline and asks their guest to stop. Instrumented
   * guests trap at their next loop or call; a guest that has not stopped after STOP_GRACE_MS
   * (not instrumented, or stuck in a long host call) costs its worker, which piscina replaces.
   */
  private expire(): void {
    const now = performance.now();
    for (const ex of this.running) {
      if (ex.stopAskedAt !== 0) {
        if (now - ex.stopAskedAt > STOP_GRACE_MS && ex.link !== null) {
          ex.stopAskedAt = Infinity;
          this.terminate(ex.link, ex.route.name, ex.requestId);
        }
        continue;
      }
      if (now < ex.deadline) continue;
      ex.fail('WARP_E_TIMEOUT', `app '${ex.route.name}' did not answer within ` +
        `${ex.route.spec.limits.timeout} ms (limits.timeout)`);
      ex.stopAskedAt = now;
      ex.link?.interrupt(ex);
    }
    for (const ex of this.queued) {
      if (now < ex.deadline) continue;
      this.queued.delete(ex);
      const line = ex.route.waiting;
      line.splice(line.indexOf(ex), 1);
      // It never ran: the app is overloaded, and the client may retry.
      ex.fail('WARP_E_OVERLOADED', `app '${ex.route.name}' was at scale.max for the whole ` +
        `deadline (${ex.route.spec.limits.timeout} ms); retry later or raise scale.max`);
    }
  }

  private terminate(link: WorkerLink, app: string, requestId: string): void {
    const worker = this.created.get(link.threadId);
    if (worker == null) return;
    this.log.warn({ app, requestId, worker: link.threadId },
      'guest passed its deadline; replacing worker');
    this.created.set(link.threadId, null);
    void worker.terminate();
  }

  private join(hello: WorkerHello): void {
    const { threadId, warpControl, warpRequests, interruptFlags } = hello as Required<WorkerHello>;
    const slot = this.slots.indexOf(null);
    if (slot === -1) {
      warpControl.close();
      warpRequests.close();
      return;
    }
    const link = new WorkerLink(threadId, slot, warpControl, warpRequests, this.finish,
      interruptFlags);
    this.slots[slot] = link;
    if (this.created.has(threadId)) this.goOnline(link);
  }

  private onCreate(w: PoolWorker): void {
    this.created.set(w.id, workerOf(w));
    const link = this.slots.find((s) => s?.threadId === w.id);
    if (link) this.goOnline(link);
  }

  private goOnline(link: WorkerLink): void {
    link.online = true;
    link.worker = this.created.get(link.threadId) ?? null;
    for (const fn of this.onWorkerJoin) fn(link);
  }

  private onDestroy(w: PoolWorker): void {
    this.created.delete(w.id);
    const slot = this.slots.findIndex((s) => s?.threadId === w.id);
    if (slot === -1) return;
    const link = this.slots[slot] as WorkerLink;
    link.online = false;
    link.close();
    this.slots[slot] = null;
    this.workerRestarts++;
  }
}

function pickChosen<W extends PoolWorker>(task: unknown, workers: W[]): W | null {
  const chosen = (task as Record<symbol, WorkerLink | undefined>)[CHOSEN];
  if (chosen === undefined) return null;
  for (const w of workers) if (w.id === chosen.threadId) return w;
  return null;
}

/** piscina keeps the Worker behind a private symbol on its public worker view. */
function workerOf(w: PoolWorker): Worker | null {
  for (const sym of Object.getOwnPropertySymbols(w)) {
    const inner = (w as unknown as Record<symbol, { worker?: Worker }>)[sym];
    if (inner?.worker !== undefined) return inner.worker;
  }
  return null;
}

function workerFailure(err: unknown): string {
  if (err instanceof WarpError) return err.message;
  return `the worker running the request failed: ${(err as Error)?.message ?? String(err)}`;
}
