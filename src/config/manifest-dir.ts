// Reads every *.toml in the manifests directory. A bad file is reported with its path and the
// field at fault, and does not stop the others from loading.

import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';

import { WarpError } from '../errors.js';
import { parseManifestToml, type AppManifest } from './manifest.js';

export interface ManifestFile {
  file: string;
  /** The path as messages show it, relative to the working directory. */
  label: string;
  manifest: AppManifest | null;
  error: WarpError | null;
}

export async function readManifestDir(dir: string): Promise<ManifestFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.toml')).sort();
  } catch (err) {
    throw new WarpError('WARP_E_BAD_FLAG',
      `--manifests ${dir}: cannot read the directory (${(err as NodeJS.ErrnoException).code})`);
  }
  return Promise.all(names.map((name) => readManifestFile(join(dir, name))));
}

export async function readManifestFile(file: string): Promise<ManifestFile> {
  const label = relative(process.cwd(), file) || file;
  try {
    const text = await readFile(file, 'utf8');
    const base = dirname(resolve(file));
    const manifest = parseManifestToml(text, label, (p) => resolve(base, p));
    return { file, label, manifest, error: null };
  } catch (err) {
    const error = err instanceof WarpError ? err
      : new WarpError('WARP_E_BAD_MANIFEST', `${label}: ${(err as Error).message}`);
    return { file, label, manifest: null, error };
  }
}
