// One WarpGrid node: the uWS front, the dispatcher and its workers, and the app registry, wired
// together and started from a NodeConfig.

import { join, resolve } from 'node:path';

import type { Logger } from 'pino';

import type { NodeConfig } from './config/flags.js';
import { readManifestDir } from './config/manifest-dir.js';
import { Registry } from './control/registry.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { Router } from './front/router.js';
import { Front } from './front/server.js';
import { loadUws, type UwsBinding } from './front/uws-binding.js';
import { VERSION } from './version.js';

export class WarpNode {
  readonly binding: UwsBinding;
  readonly router = new Router();
  readonly dispatcher: Dispatcher;
  readonly registry: Registry;
  readonly front: Front;
  private readonly startedAt = Date.now();

  constructor(readonly config: NodeConfig, readonly log: Logger) {
    this.binding = loadUws();
    this.dispatcher = new Dispatcher({
      workers: config.workers, logLevel: config.logLevel, lane: config.dispatch, log,
    });
    const cacheDir = join(resolve(config.dataDir), 'cache');
    this.registry = new Registry(this.dispatcher, this.router, cacheDir, log);
    this.front = new Front(this.binding, this.router, this.dispatcher, {
      health: () => '{"status":"ok"}',
      info: () => JSON.stringify(this.info()),
    }, { host: config.host, port: config.port, trustProxy: config.trustProxy });
  }

  async start(): Promise<number> {
    if (this.binding.native) {
      this.log.info({ binding: this.binding.detail }, 'uws native binding loaded');
    } else {
      this.log.warn({ reason: this.binding.detail },
        'uws native binding did not load; serving with the slow JS fallback');
    }
    await this.dispatcher.ready();
    const apps = this.config.manifests === null ? [] : await this.loadManifests();
    const port = await this.front.listen();
    this.log.info({ host: this.config.host, port, workers: this.config.workers, apps,
      uwsNative: this.binding.native }, 'node listening');
    return port;
  }

  async close(): Promise<void> {
    this.front.close();
    await this.dispatcher.close();
  }

  info(): object {
    return {
      version: VERSION,
      uptimeMs: Date.now() - this.startedAt,
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

  /** Deploys every valid manifest; a bad one is logged and skipped. */
  private async loadManifests(): Promise<string[]> {
    const files = await readManifestDir(this.config.manifests as string);
    const loaded: string[] = [];
    for (const entry of files) {
      if (entry.manifest === null) {
        this.log.error({ file: entry.label, code: entry.error?.code }, entry.error?.message ?? '');
        continue;
      }
      try {
        await this.registry.deployFile(entry.manifest, entry.label);
        loaded.push(entry.manifest.name);
      } catch (err) {
        const e = err as { code?: string; message: string };
        this.log.error({ file: entry.label, app: entry.manifest.name, code: e.code }, e.message);
      }
    }
    return loaded;
  }
}
