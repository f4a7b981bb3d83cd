// Watches the manifests directory and reports its *.toml files whenever one is added, changed or
// removed, or when the module a manifest names changes. fs.watch gives quick notice and is
// debounced; a periodic rescan catches what fs.watch misses (a directory replaced by a rename,
// filesystems without inotify), so a change lands within one rescan at worst.

import { watch, type FSWatcher } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import type { Logger } from 'pino';

import { readManifestFile, type ManifestFile } from '../config/manifest-dir.js';
import { WarpError } from '../errors.js';

/** Editors write a file in a few steps; one scan after the last of them is enough. */
const DEBOUNCE_MS = 100;
const RESCAN_MS = 2000;

export interface ScannedManifest extends ManifestFile {
  /** Changes when the file or the module it names changes. */
  fingerprint: string;
}

type OnScan = (files: ScannedManifest[]) => Promise<void>;

interface Known {
  statKey: string;
  entry: ManifestFile;
}

export class ManifestWatch {
  private readonly known = new Map<string, Known>();
  private lastSet = '';
  private watcher: FSWatcher | null = null;
  private rescan: NodeJS.Timeout | null = null;
  private debounce: NodeJS.Timeout | null = null;
  private scanning: Promise<void> | null = null;
  private again = false;

  constructor(readonly dir: string, private readonly onScan: OnScan,
    private readonly log: Logger) {}

  /** Reads the directory once; `onScan` runs if anything differs from the last scan. */
  async scan(): Promise<void> {
    if (this.scanning !== null) {
      this.again = true;
      return this.scanning;
    }
    this.scanning = this.scanOnce().finally(() => {
      this.scanning = null;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    });
    return this.scanning;
  }

  start(): void {
    try {
      this.watcher = watch(this.dir, () => this.schedule());
      this.watcher.on('error', (err) => {
        this.log.warn({ dir: this.dir, err }, 'manifests watch failed; rescanning periodically');
        this.watcher?.close();
        this.watcher = null;
      });
    } catch (err) {
      this.log.warn({ dir: this.dir, err }, 'manifests watch failed; rescanning periodically');
    }
    this.rescan = setInterval(() => this.schedule(), RESCAN_MS).unref();
  }

  close(): void {
    this.watcher?.close();
    if (this.rescan !== null) clearInterval(this.rescan);
    if (this.debounce !== null) clearTimeout(this.debounce);
  }

  private schedule(): void {
    if (this.debounce !== null) clearTimeout(this.debounce);
    this.debounce = setTimeout(() => {
      this.debounce = null;
      this.scan().catch((err: unknown) => {
        const e = err as { code?: string; message: string };
        this.log.error({ dir: this.dir, code: e.code }, e.message);
      });
    }, DEBOUNCE_MS);
    this.debounce.unref();
  }

  private async scanOnce(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((n) => n.endsWith('.toml')).sort();
    } catch (err) {
      throw new WarpError('WARP_E_BAD_FLAG', `--manifests ${this.dir}: cannot read the ` +
        `directory (${(err as NodeJS.ErrnoException).code}); the apps it defined keep serving`);
    }

    const files: ScannedManifest[] = [];
    const seen = new Set<string>();
    for (const name of names) {
      const scanned = await this.scanFile(join(this.dir, name));
      if (scanned === null) continue;
      seen.add(scanned.file);
      files.push(scanned);
    }
    for (const file of this.known.keys()) if (!seen.has(file)) this.known.delete(file);

    const set = files.map((f) => `${f.file}\0${f.fingerprint}`).join('\n');
    if (set === this.lastSet) return;
    this.lastSet = set;
    await this.onScan(files);
  }

  /** Parses a file again only when its stat changed; null when it vanished meanwhile. */
  private async scanFile(file: string): Promise<ScannedManifest | null> {
    const statKey = await statKeyOf(file);
    if (statKey === null) return null;
    const previous = this.known.get(file);
    const entry = previous?.statKey === statKey ? previous.entry : await readManifestFile(file);
    this.known.set(file, { statKey, entry });
    const moduleKey = entry.manifest === null ? '' : await statKeyOf(entry.manifest.module);
    return { ...entry, fingerprint: `${statKey}|${moduleKey ?? 'missing'}` };
  }
}

async function statKeyOf(path: string): Promise<string | null> {
  try {
    const s = await stat(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}
