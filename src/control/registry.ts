// The apps this node serves. Deploying compiles the artifact once, places the new version on its
// home shard, and only then swaps it into the router, so requests never see a half-made version.
// The version it replaces keeps serving the requests it already has, then is freed.

import { readFile, stat } from 'node:fs/promises';

import type { Logger } from 'pino';

import type { AppSpec } from '../../workers/app-spec.js';
import type { AppManifest } from '../config/manifest.js';
import { AppRoute, type RouteArtifact } from '../dispatch/app-route.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { slotPreference } from '../dispatch/rendezvous.js';
import type { WorkerLink } from '../dispatch/worker-link.js';
import { WarpError } from '../errors.js';
import type { Router } from '../front/router.js';
import { checkWagiShape, compileCoreModule, detectAbi, sha256Of } from './artifact.js';
import { instrumentCached } from './wasm/interrupt-instrument.js';
import { rewriteWagiModule } from './wasm/wagi-rewrite.js';

/** How often replaced versions with queued requests are looked at; their queue is short-lived. */
const REPLACED_CHECK_MS = 10;

export interface DeployResult {
  route: AppRoute;
  /** From the start of the deploy to a warm instance on the home worker. */
  coldStartMs: number;
  cacheHit: boolean;
}

export class Registry {
  readonly apps = new Map<string, AppRoute>();
  deploys = 0;
  /** Replaced or removed versions that still have requests running. */
  private readonly retiring = new Set<AppRoute>();
  /** Replaced versions whose queued requests still wait for a slot; retired once none wait. */
  private readonly replaced = new Set<AppRoute>();
  private replacedCheck: NodeJS.Timeout | null = null;
  private nextKey = 1;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly router: Router,
    private readonly cacheDir: string,
    private readonly log: Logger,
  ) {
    dispatcher.onJoin((link) => this.placeHomedOn(link));
  }

  async deployFile(manifest: AppManifest, label: string): Promise<DeployResult> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(manifest.module);
    } catch (err) {
      throw new WarpError('WARP_E_BAD_MANIFEST',
        `${label}: module ${manifest.module} cannot be read: ` +
        `${(err as NodeJS.ErrnoException).code}`);
    }
    return this.deploy(manifest, bytes, label);
  }

  async deploy(manifest: AppManifest, bytes: Uint8Array, label: string): Promise<DeployResult> {
    const t0 = performance.now();
    const abi = detectAbi(bytes, label);
    if (manifest.abi !== null && manifest.abi !== abi) {
      throw new WarpError('WARP_E_BAD_ARTIFACT',
        `${label}: abi is '${manifest.abi}' but the module is a ${abi} binary; fix abi`);
    }
    this.checkRouteFree(manifest, label);
    await checkFileGrants(manifest, label);

    const { artifact, cacheHit } = await this.build(bytes, abi, manifest.limits.memory, label);
    return this.swapIn(manifest, abi, artifact, cacheHit, t0);
  }

  /** New scale bounds make a new version of the same compiled artifact, swapped in the same way. */
  async rescale(name: string, scale: AppManifest['scale']): Promise<DeployResult> {
    const current = this.apps.get(name);
    if (current === undefined) {
      throw new WarpError('WARP_E_NO_SUCH_APP', `no app '${name}' is deployed; see warp list`);
    }
    const manifest = { ...current.manifest, scale: { ...scale } };
    return this.swapIn(manifest, current.spec.abi, current.artifact, false, performance.now());
  }

  /** Requests running or waiting on any version of any app, including retired versions. */
  busy(): number {
    let count = 0;
    for (const route of this.apps.values()) count += route.inflight + route.waiting.length;
    for (const route of this.replaced) count += route.inflight + route.waiting.length;
    for (const route of this.retiring) {
      if (route.inflight === 0) this.retiring.delete(route);
      else count += route.inflight;
    }
    return count;
  }

  private async swapIn(manifest: AppManifest, abi: AppSpec['abi'], artifact: RouteArtifact,
    cacheHit: boolean, t0: number): Promise<DeployResult> {
    const spec = this.specFor(manifest, abi);
    const route = new AppRoute(spec, manifest, artifact,
      slotPreference(manifest.name, this.dispatcher.slots.length), Date.now());

    const home = this.dispatcher.slots[route.prefs[0] as number];
    if (home == null) throw new WarpError('WARP_E_WORKER_LOST', 'the home worker is restarting');
    await this.dispatcher.place(route, home);
    const coldStartMs = performance.now() - t0;

    const previous = this.apps.get(manifest.name);
    this.apps.set(manifest.name, route);
    if (previous !== undefined) {
      this.router.delete(previous);
      this.retireWhenNoneWait(previous);
    }
    this.router.set(route);
    this.deploys++;
    this.log.info({ app: manifest.name, version: spec.version, abi, sha256: artifact.sha256,
      min: spec.min, max: spec.max, ms: round(coldStartMs), cacheHit }, 'app deployed');
    return { route, coldStartMs, cacheHit };
  }

  remove(name: string): boolean {
    const route = this.apps.get(name);
    if (route === undefined) return false;
    this.apps.delete(name);
    this.router.delete(route);
    this.retire(route);
    this.log.info({ app: name, version: route.spec.version }, 'app removed');
    return true;
  }

  private retire(route: AppRoute): void {
    this.dispatcher.retire(route);
    if (route.inflight > 0) this.retiring.add(route);
  }

  /**
   * Retiring a version fails the requests queued on it, which is right for a removed app but not
   * for a replaced one: those requests were accepted, so they still run on the old version.
   */
  private retireWhenNoneWait(route: AppRoute): void {
    if (route.waiting.length === 0) return this.retire(route);
    this.replaced.add(route);
    this.replacedCheck ??= setInterval(() => {
      for (const old of this.replaced) {
        if (old.waiting.length > 0) continue;
        this.replaced.delete(old);
        this.retire(old);
      }
      if (this.replaced.size > 0) return;
      clearInterval(this.replacedCheck as NodeJS.Timeout);
      this.replacedCheck = null;
    }, REPLACED_CHECK_MS);
  }

  private async build(bytes: Uint8Array, abi: AppManifest['abi'], memoryLimit: number,
    label: string): Promise<{
    artifact: RouteArtifact; cacheHit: boolean;
  }> {
    const sha256 = sha256Of(bytes);
    if (abi === 'wagi') {
      // Check the guest as written before WarpGrid adds its own import and exports.
      checkWagiShape(await compileCoreModule(bytes, label), label);
      const interruptible = await instrumentCached(bytes, sha256, this.cacheDir, label);
      const rewritten = rewriteWagiModule(interruptible, memoryLimit, label);
      const module = await compileCoreModule(rewritten.bytes, label);
      return { artifact: { sha256, size: bytes.length, module, component: null }, cacheHit: false };
    }
    // jco is large: load it only once a node deploys its first component, to keep idle RSS low.
    const { prepareComponent } = await import('./component/prepare-component.js');
    const component = await prepareComponent(bytes, sha256, this.cacheDir, label, memoryLimit);
    return {
      artifact: { sha256, size: bytes.length, module: null, component },
      cacheHit: component.cacheHit,
    };
  }

  private specFor(manifest: AppManifest, abi: AppSpec['abi']): AppSpec {
    const previous = this.apps.get(manifest.name);
    return {
      key: this.nextKey++,
      name: manifest.name,
      version: (previous?.spec.version ?? 0) + 1,
      abi,
      min: manifest.scale.min,
      max: manifest.scale.max,
      reuse: manifest.scale.reuse,
      recycle: manifest.scale.recycle,
      idle: manifest.scale.idle,
      limits: { ...manifest.limits },
      grants: {
        env: { ...manifest.grants.env },
        files: manifest.grants.files.map((f) => ({ ...f })),
        allowedOutboundHosts: [...manifest.grants.allowedOutboundHosts],
        keyValue: [...manifest.grants.keyValue],
      },
    };
  }

  /** Another app may not take this app's route prefix or host names. */
  private checkRouteFree(manifest: AppManifest, label: string): void {
    for (const other of this.apps.values()) {
      if (other.name === manifest.name) continue;
      if (other.manifest.route === manifest.route) {
        throw new WarpError('WARP_E_NAME_TAKEN',
          `${label}: route ${manifest.route} is already served by app '${other.name}'`);
      }
      const shared = manifest.hosts.find((h) => other.manifest.hosts.includes(h));
      if (shared !== undefined) {
        throw new WarpError('WARP_E_NAME_TAKEN',
          `${label}: host ${shared} is already served by app '${other.name}'`);
      }
    }
  }

  /** A worker that (re)joins gets the apps whose home shard is its slot. */
  private placeHomedOn(link: WorkerLink): void {
    for (const route of this.apps.values()) {
      if (route.prefs[0] !== link.slot) continue;
      this.dispatcher.place(route, link).catch((err: unknown) =>
        this.log.error({ app: route.name, err }, 'placing app on a new worker failed'));
    }
  }
}

/** A granted directory must exist when the app is deployed. */
async function checkFileGrants(manifest: AppManifest, label: string): Promise<void> {
  for (const [i, grant] of manifest.grants.files.entries()) {
    const stats = await stat(grant.source).catch(() => null);
    if (stats === null || !stats.isDirectory()) {
      throw new WarpError('WARP_E_BAD_GRANT', `${label}: grants.files[${i}].source ` +
        `${grant.source} is not a directory; create it or fix the path`);
    }
  }
}

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
