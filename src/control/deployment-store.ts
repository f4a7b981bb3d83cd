// The data directory's record of API deployments: artifacts kept by sha256, and one JSON file that
// lists the deployments. Each file is replaced atomically (temp file, fsync, rename, fsync of the
// directory), and an artifact is on disk before any list names it, so a crash at any moment
// leaves the old list or the new one, each with all of its artifacts.

import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { WarpError } from '../errors.js';
import { sha256Of } from './artifact.js';

export interface StoredDeployment {
  name: string;
  sha256: string;
  /** The manifest fields as the admin API accepted them; `module` is the artifact instead. */
  manifest: Record<string, unknown>;
  deployedAt: string;
}

const FORMAT = 1;
const SHA256 = /^[0-9a-f]{64}$/;
const TEMP_MARK = '.tmp-';

export class DeploymentStore {
  readonly artifactsDir: string;
  readonly file: string;

  constructor(readonly dataDir: string) {
    this.artifactsDir = join(dataDir, 'artifacts');
    this.file = join(dataDir, 'deployments.json');
  }

  /** Reads the deployments and clears what a crash may have left: temp files, unused artifacts. */
  async open(): Promise<StoredDeployment[]> {
    await mkdir(this.artifactsDir, { recursive: true, mode: 0o700 }).catch((err: unknown) => {
      throw storeError(`cannot create ${this.artifactsDir}`, err);
    });
    const deployments = await this.read();
    await removeTemps(this.dataDir);
    await removeTemps(this.artifactsDir);
    await this.collect(deployments);
    return deployments;
  }

  artifactPath(sha256: string): string {
    return join(this.artifactsDir, `${sha256}.wasm`);
  }

  /** Stores an artifact under its sha256; bytes already stored are not written again. */
  async putArtifact(bytes: Uint8Array, sha256: string): Promise<void> {
    const path = this.artifactPath(sha256);
    const stored = await readFile(path).catch(() => null);
    if (stored !== null && sha256Of(stored) === sha256) return;
    await writeAtomic(path, bytes);
  }

  /** Reads an artifact back and checks that its bytes still hash to its name. */
  async readArtifact(sha256: string): Promise<Uint8Array> {
    const path = this.artifactPath(sha256);
    const bytes = await readFile(path).catch((err: unknown) => {
      throw storeError(`artifact ${path} cannot be read`, err);
    });
    if (sha256Of(bytes) !== sha256) {
      throw new WarpError('WARP_E_STORE', `artifact ${path} does not hash to its name; ` +
        'it was changed outside WarpGrid: deploy the app again');
    }
    return bytes;
  }

  /** Replaces the deployments file, then deletes the artifacts that no deployment names. */
  async save(deployments: StoredDeployment[]): Promise<void> {
    const text = JSON.stringify({ format: FORMAT, deployments }, null, 2);
    await writeAtomic(this.file, Buffer.from(`${text}\n`));
    await this.collect(deployments);
  }

  private async read(): Promise<StoredDeployment[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError(`cannot read ${this.file}`, err);
    }
    const deployments = parseDeployments(text);
    if (deployments === null) {
      throw new WarpError('WARP_E_STORE', `${this.file} is not a WarpGrid deployments file ` +
        `(format ${FORMAT}); restore it from a backup, or move it away to start with no API apps`);
    }
    return deployments;
  }

  private async collect(deployments: StoredDeployment[]): Promise<void> {
    const used = new Set(deployments.map((d) => `${d.sha256}.wasm`));
    for (const name of await readdir(this.artifactsDir)) {
      if (name.endsWith('.wasm') && !used.has(name)) {
        await unlink(join(this.artifactsDir, name)).catch(() => {});
      }
    }
  }
}

function parseDeployments(text: string): StoredDeployment[] | null {
  let doc: { format?: unknown; deployments?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return null;
  }
  if (doc?.format !== FORMAT || !Array.isArray(doc.deployments)) return null;
  const ok = doc.deployments.every((d: Partial<StoredDeployment> | null) =>
    typeof d?.name === 'string' && typeof d.sha256 === 'string' && SHA256.test(d.sha256) &&
    typeof d.manifest === 'object' && d.manifest !== null && typeof d.deployedAt === 'string');
  return ok ? doc.deployments as StoredDeployment[] : null;
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = `${path}${TEMP_MARK}${randomBytes(6).toString('hex')}`;
  try {
    const fh = await open(temp, 'wx', 0o600);
    try {
      await fh.writeFile(bytes);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(temp, path);
    await syncDir(join(path, '..'));
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw storeError(`cannot write ${path}`, err);
  }
}

/** Makes a rename durable: the new directory entry is on disk once this returns. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function removeTemps(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    if (name.includes(TEMP_MARK)) await unlink(join(dir, name)).catch(() => {});
  }
}

function storeError(what: string, err: unknown): WarpError {
  if (err instanceof WarpError) return err;
  const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  return new WarpError('WARP_E_STORE', `${what} (${code}); check the space and permissions of ` +
    'the data directory (--data-dir)');
}
