// Where apps come from, and the rule between the two sources: the manifests directory (watched)
// and the admin API (stored in the data directory). When both define an app of the same name,
// the API deployment serves and the manifest is logged as shadowed; removing the API deployment
// brings the manifest's version back. Every change runs one at a time, in arrival order.

import { isAbsolute } from 'node:path';

import type { Logger } from 'pino';

import { checkManifest, type AppManifest } from '../config/manifest.js';
import { WarpError } from '../errors.js';
import { sha256Of } from './artifact.js';
import type { DeploymentStore, StoredDeployment } from './deployment-store.js';
import { ManifestWatch, type ScannedManifest } from './manifest-watch.js';
import type { DeployResult, Registry } from './registry.js';

/** An app as the manifests directory defines it. */
interface FileApp {
  file: string;
  label: string;
  manifest: AppManifest;
  fingerprint: string;
}

export interface DeployOutcome {
  result: DeployResult;
  /** The manifest file this API deployment now shadows, if any. */
  shadows: string | null;
}

export class ControlPlane {
  /** Set on shutdown: changes are refused from then on. */
  draining = false;
  private apiApps = new Map<string, StoredDeployment>();
  private fileApps = new Map<string, FileApp>();
  private readonly fingerprints = new Map<string, string>();
  private readonly watch: ManifestWatch | null;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly registry: Registry,
    private readonly store: DeploymentStore,
    manifestsDir: string | null,
    private readonly log: Logger,
  ) {
    this.watch = manifestsDir === null ? null
      : new ManifestWatch(manifestsDir, (files) => this.serial(() => this.reconcile(files)), log);
  }

  /** Serves the stored API deployments, then the manifests, then starts watching. */
  async start(): Promise<void> {
    for (const stored of await this.store.open()) {
      this.apiApps.set(stored.name, stored);
      await this.serveStored(stored);
    }
    if (this.watch === null) return;
    await this.watch.scan();
    this.watch.start();
  }

  close(): void {
    this.draining = true;
    this.watch?.close();
  }

  /** 'api', the manifest file of the app, or null when neither defines it. */
  sourceOf(name: string): { kind: 'api' } | { kind: 'manifest'; file: string } | null {
    if (this.apiApps.has(name)) return { kind: 'api' };
    const fileApp = this.fileApps.get(name);
    return fileApp === undefined ? null : { kind: 'manifest', file: fileApp.label };
  }

  /** API deployments that are stored but not serving, with their artifact. */
  notServing(): StoredDeployment[] {
    return [...this.apiApps.values()].filter((d) => !this.registry.apps.has(d.name));
  }

  deploy(doc: Record<string, unknown>, bytes: Uint8Array): Promise<DeployOutcome> {
    return this.serial(async () => {
      this.refuseWhileDraining();
      const sha256 = sha256Of(bytes);
      const manifest = this.checkApiManifest(doc, 'Warp-Manifest', sha256);
      const name = manifest.name;

      const result = await this.registry.deploy(manifest, bytes, `app '${name}'`);
      await this.persist(name, { name, sha256, manifest: doc,
        deployedAt: new Date().toISOString() }, bytes);

      const shadowed = this.fileApps.get(name)?.label ?? null;
      if (shadowed !== null) {
        this.log.warn({ app: name, file: shadowed }, 'manifest app shadowed by an api deployment');
      }
      return { result, shadows: shadowed };
    });
  }

  scale(name: string, bounds: { min?: unknown; max?: unknown }): Promise<DeployResult> {
    return this.serial(async () => {
      this.refuseWhileDraining();
      const stored = this.apiDeployment(name, 'change [scale] there');
      const given = Object.fromEntries(Object.entries(bounds).filter(([, v]) => v !== undefined));
      const scale = { ...(stored.manifest.scale as object | undefined), ...given };
      const doc = { ...stored.manifest, scale };
      const manifest = this.checkApiManifest(doc, `POST /v1/apps/${name}/scale`, stored.sha256);

      const result = this.registry.apps.has(name)
        ? await this.registry.rescale(name, manifest.scale)
        : await this.registry.deploy(manifest, await this.store.readArtifact(stored.sha256),
          `app '${name}'`);
      await this.persist(name, { ...stored, manifest: doc }, null);
      return result;
    });
  }

  /** Removes an API deployment; returns the manifest file that serves the name again, if any. */
  remove(name: string): Promise<string | null> {
    return this.serial(async () => {
      this.refuseWhileDraining();
      this.apiDeployment(name, 'delete that file');
      const next = new Map(this.apiApps);
      next.delete(name);
      await this.store.save([...next.values()]);
      this.apiApps = next;
      this.registry.remove(name);

      const fallback = this.fileApps.get(name);
      if (fallback === undefined) return null;
      await this.deployFileApp(fallback);
      return fallback.label;
    });
  }

  private serial<T>(step: () => Promise<T>): Promise<T> {
    const run = this.tail.then(step, step);
    this.tail = run.catch(() => {});
    return run;
  }

  /** Also called by the admin API before it reads an upload that would be refused. */
  refuseWhileDraining(): void {
    if (this.draining) {
      throw new WarpError('WARP_E_DRAINING', 'the node is shutting down and takes no changes; ' +
        'send them to it once it has restarted');
    }
  }

  private apiDeployment(name: string, fileHint: string): StoredDeployment {
    const stored = this.apiApps.get(name);
    if (stored !== undefined) return stored;
    const fileApp = this.fileApps.get(name);
    if (fileApp !== undefined) {
      throw new WarpError('WARP_E_BAD_REQUEST', `app '${name}' comes from ${fileApp.label}, ` +
        `not from the admin API; ${fileHint}`);
    }
    throw new WarpError('WARP_E_NO_SUCH_APP', `no app '${name}' is deployed; see warp list`);
  }

  /** API manifests carry no module (the artifact is the body) and name files by absolute path. */
  private checkApiManifest(doc: Record<string, unknown>, where: string, sha256: string,
  ): AppManifest {
    if ('module' in doc) {
      throw new WarpError('WARP_E_BAD_MANIFEST', `${where}: module is not allowed here; send ` +
        'the artifact as the request body');
    }
    const manifest = checkManifest({ ...doc, module: this.store.artifactPath(sha256) }, where,
      (path) => path);
    manifest.grants.files.forEach((f, i) => {
      if (!isAbsolute(f.source)) {
        throw new WarpError('WARP_E_BAD_MANIFEST', `${where}: grants.files[${i}].source must ` +
          `be an absolute path on the node's machine, got '${f.source}'`);
      }
    });
    return manifest;
  }

  /** The artifact goes to disk before the list that names it; see deployment-store.ts. */
  private async persist(name: string, stored: StoredDeployment, bytes: Uint8Array | null,
  ): Promise<void> {
    const next = new Map(this.apiApps).set(name, stored);
    try {
      if (bytes !== null) await this.store.putArtifact(bytes, stored.sha256);
      await this.store.save([...next.values()]);
    } catch (err) {
      throw new WarpError('WARP_E_STORE', `app '${name}' is serving the new version, but it ` +
        `was not saved and a restart would serve the one before: ${(err as Error).message}`);
    }
    this.apiApps = next;
  }

  private async serveStored(stored: StoredDeployment): Promise<void> {
    const where = `${this.store.file} (app '${stored.name}')`;
    try {
      const manifest = this.checkApiManifest(stored.manifest, where, stored.sha256);
      const bytes = await this.store.readArtifact(stored.sha256);
      await this.registry.deploy(manifest, bytes, where);
    } catch (err) {
      const e = err as { code?: string; message: string };
      this.log.error({ app: stored.name, code: e.code }, e.message);
    }
  }

  /** Brings the apps in line with the manifests directory; see the file header for the rule. */
  private async reconcile(files: ScannedManifest[]): Promise<void> {
    const previous = this.fileApps;
    const next = this.desiredFileApps(files);
    this.fileApps = next;

    for (const [name, old] of previous) {
      if (next.has(name) || this.apiApps.has(name)) continue;
      this.registry.remove(name);
      this.log.info({ app: name, file: old.label }, 'manifest removed');
    }
    for (const [name, app] of next) {
      if (previous.get(name)?.fingerprint === app.fingerprint) continue;
      if (this.apiApps.has(name)) {
        this.log.warn({ app: name, file: app.label }, 'manifest app shadowed by an api deployment');
        continue;
      }
      await this.deployFileApp(app);
    }
  }

  /** Valid files define their apps; an invalid file keeps the apps it defined before. */
  private desiredFileApps(files: ScannedManifest[]): Map<string, FileApp> {
    const next = new Map<string, FileApp>();
    for (const scanned of files) {
      const changed = this.fingerprints.get(scanned.file) !== scanned.fingerprint;
      this.fingerprints.set(scanned.file, scanned.fingerprint);
      let apps: FileApp[];
      if (scanned.manifest !== null) {
        apps = [{ file: scanned.file, label: scanned.label, manifest: scanned.manifest,
          fingerprint: scanned.fingerprint }];
      } else {
        if (changed) {
          this.log.error({ file: scanned.label, code: scanned.error?.code },
            `${scanned.error?.message ?? 'invalid manifest'}; the previous version keeps serving`);
        }
        apps = [...this.fileApps.values()].filter((a) => a.file === scanned.file);
      }
      for (const app of apps) this.claim(next, app, changed);
    }
    const present = new Set(files.map((f) => f.file));
    for (const file of this.fingerprints.keys()) {
      if (!present.has(file)) this.fingerprints.delete(file);
    }
    return next;
  }

  private claim(next: Map<string, FileApp>, app: FileApp, changed: boolean): void {
    const other = next.get(app.manifest.name);
    if (other === undefined) {
      next.set(app.manifest.name, app);
    } else if (changed) {
      this.log.error({ app: app.manifest.name, file: app.label, definedBy: other.label },
        'app name already defined by another manifest; this file is ignored');
    }
  }

  private async deployFileApp(app: FileApp): Promise<void> {
    try {
      await this.registry.deployFile(app.manifest, app.label);
    } catch (err) {
      const e = err as { code?: string; message: string };
      this.log.error({ app: app.manifest.name, file: app.label, code: e.code },
        `${e.message}; the previous version, if any, keeps serving`);
    }
  }
}
