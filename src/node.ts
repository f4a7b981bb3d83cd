// One WarpGrid node: the uWS front, the dispatcher and its workers, the app registry, and the
// control plane with its admin API, wired together and started from a NodeConfig.

import { join, resolve } from 'node:path';

import type { Logger } from 'pino';

import type { NodeConfig } from './config/flags.js';
import { AdminApi } from './control/admin-api.js';
import { loadOrCreateToken } from './control/admin-token.js';
import { instanceCounts, storedView, viewOf, type AppView } from './control/app-view.js';
import { ControlPlane } from './control/control-plane.js';
import { DeploymentStore } from './control/deployment-store.js';
import { Registry } from './control/registry.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { Router } from './front/router.js';
import { openExchanges } from './front/front-exchange.js';
import { Front } from './front/server.js';
import { loadUws, type UwsBinding } from './front/uws-binding.js';
import { NodeOps } from './ops/node-ops.js';
import { WarpError } from './errors.js';
import { VERSION } from './version.js';

/** How often a drain looks at the count of in-flight requests. */
const DRAIN_POLL_MS = 10;

export interface DrainResult {
  /** Requests still running when the drain gave up; 0 when all finished. */
  left: number;
  ms: number;
}

export class WarpNode {
  readonly binding: UwsBinding;
  readonly router = new Router();
  readonly dispatcher: Dispatcher;
  readonly registry: Registry;
  readonly control: ControlPlane;
  readonly front: Front;
  /** Request counters, metrics and the status page. */
  readonly ops: NodeOps;
  private admin: AdminApi | null = null;
  private adminToken: string | null = null;
  private readonly startedAt = Date.now();

  constructor(readonly config: NodeConfig, readonly log: Logger) {
    this.binding = loadUws();
    const dataDir = resolve(config.dataDir);
    this.dispatcher = new Dispatcher({
      workers: config.workers, logLevel: config.logLevel, dataDir, lane: config.dispatch, log,
    });
    this.registry = new Registry(this.dispatcher, this.router, join(dataDir, 'cache'), log);
    this.control = new ControlPlane(this.registry, new DeploymentStore(dataDir),
      config.manifests, log);
    this.ops = new NodeOps({ dispatcher: this.dispatcher, registry: this.registry,
      startedAt: this.startedAt, accessLog: config.accessLog ? log.child({ log: 'access' }) : null,
      access: {
        tokenRequired: !isLoopback(config.host) || !isLoopback(config.adminHost),
        token: () => this.adminToken,
      } });
    this.front = new Front(this.binding, this.router, this.dispatcher, {
      health: () => '{"status":"ok"}',
      info: () => JSON.stringify(this.info()),
      ops: (url, authorization) => this.ops.answer(url, authorization),
    }, { host: config.host, port: config.port, trustProxy: config.trustProxy,
      stats: this.ops.stats });
  }

  async start(): Promise<number> {
    if (this.binding.native) {
      this.log.info({ binding: this.binding.detail }, 'uws native binding loaded');
    } else {
      // The package's JS copy cannot enumerate headers, read the client address or stream a
      // body with backpressure, so a node on it would fail its first request: stop instead.
      this.log.warn({ reason: this.binding.detail }, 'uws native binding did not load');
      throw new WarpError('WARP_E_NO_NATIVE_UWS', 'the native uWebSockets.js binding did not ' +
        `load (${this.binding.detail}) and its JS fallback cannot serve WarpGrid; run Node 20 ` +
        'or 22 on x64 or arm64 Linux with glibc 2.36 or newer, and unset UWS_USE_FALLBACK');
    }
    await this.dispatcher.ready();
    await this.control.start();
    const adminPort = await this.startAdmin();
    const port = await this.front.listen();
    this.log.info({ host: this.config.host, port, adminPort, workers: this.config.workers,
      apps: [...this.registry.apps.keys()], uwsNative: this.binding.native }, 'node listening');
    return port;
  }

  /**
   * Stops taking connections, requests and changes, then waits up to `timeoutMs` for the
   * requests already running. New requests on open connections get 503 meanwhile.
   */
  async drain(timeoutMs: number): Promise<DrainResult> {
    const t0 = performance.now();
    this.control.close();
    this.front.stopListening();
    this.front.draining = true;
    while (this.inFlight() > 0 && performance.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, DRAIN_POLL_MS));
    }
    return { left: this.inFlight(), ms: Math.round(performance.now() - t0) };
  }

  /** Requests the node still owes an answer: queued, running, or still uploading a body. */
  private inFlight(): number {
    return Math.max(this.registry.busy(), openExchanges.count);
  }

  async close(): Promise<void> {
    this.control.close();
    await this.admin?.close();
    this.front.close();
    await this.dispatcher.close();
  }

  info(): object {
    return {
      version: VERSION,
      uptimeMs: Date.now() - this.startedAt,
      draining: this.control.draining,
      uws: { native: this.binding.native, detail: this.binding.detail },
      workers: this.dispatcher.slots.map((link, slot) => ({
        slot, threadId: link?.threadId ?? null, online: link?.online ?? false,
        inflight: link?.inflight ?? 0, apps: link?.keys.size ?? 0,
      })),
      workerRestarts: this.dispatcher.workerRestarts,
      apps: [...this.registry.apps.values()].map((r) => ({
        name: r.name, version: r.spec.version, abi: r.spec.abi, route: r.manifest.route,
        hosts: r.manifest.hosts, sha256: r.artifact.sha256, size: r.artifact.size,
        min: r.spec.min, max: r.spec.max, inflight: r.inflight, queued: r.waiting.length,
      })),
    };
  }

  /** Every app, serving or stored but failed, with its instance counts, sorted by name. */
  async appViews(): Promise<AppView[]> {
    const counts = await instanceCounts(this.dispatcher);
    const views = [...this.registry.apps.values()].map((route) =>
      viewOf(route, this.control.sourceOf(route.name) ?? { kind: 'api' }, counts));
    for (const stored of this.control.notServing()) {
      views.push(storedView(stored.name, stored.sha256));
    }
    return views.sort((a, b) => a.name.localeCompare(b.name));
  }

  private async startAdmin(): Promise<number> {
    const { adminHost: host, adminPort, adminTokenFile } = this.config;
    const token = await loadOrCreateToken(adminTokenFile, this.log);
    this.adminToken = token;
    this.admin = new AdminApi({
      host, port: adminPort, token, control: this.control, log: this.log,
      views: { apps: () => this.appViews(), status: () => this.info() },
    });
    const port = await this.admin.listen();
    if (!isLoopback(host)) {
      this.log.warn({ host }, 'admin api listens beyond loopback; the token is its only guard');
    }
    this.log.info({ host, port, tokenFile: adminTokenFile }, 'admin api listening');
    return port;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
