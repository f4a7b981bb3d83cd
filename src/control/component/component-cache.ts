// The on-disk cache of transpiled components: one directory per artifact sha256, holding the
// core modules, the glue and a meta.json. A directory is written whole under a temporary name and
// renamed into place, so a reader never sees half of one.

import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What a cache directory holds besides its files. */
export interface CachedComponent {
  /** Names of the pipeline that made the entry; an entry from another pipeline is made again. */
  pipeline: string;
  modules: Record<string, Uint8Array>;
  glue: string;
  imports: string[];
  exports: string[];
  /** Whether workers may recycle instances by restoring saved state (see prepare-component). */
  recycle: boolean;
}

interface Meta {
  pipeline: string;
  modules: string[];
  imports: string[];
  exports: string[];
  recycle: boolean;
}

const META = 'meta.json';
const GLUE = 'glue.js';

/** A module name from the glue becomes a file name; refuse anything that is not a plain name. */
function fileFor(name: string): string {
  if (!/^[\w.-]+\.wasm$/.test(name)) throw new Error(`unexpected core module name ${name}`);
  return name;
}

/** The cached entry, or null when there is none, it is from another pipeline, or unreadable. */
export async function readCached(dir: string, pipeline: string): Promise<CachedComponent | null> {
  try {
    const meta = JSON.parse(await readFile(join(dir, META), 'utf8')) as Meta;
    if (meta.pipeline !== pipeline) return null;

    const modules: Record<string, Uint8Array> = {};
    for (const name of meta.modules) modules[name] = await readFile(join(dir, fileFor(name)));
    const glue = await readFile(join(dir, GLUE), 'utf8');
    return { ...meta, modules, glue };
  } catch {
    return null;
  }
}

export async function writeCached(dir: string, entry: CachedComponent): Promise<void> {
  const staging = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(staging, { recursive: true });
  try {
    for (const [name, bytes] of Object.entries(entry.modules)) {
      await writeFile(join(staging, fileFor(name)), bytes);
    }
    await writeFile(join(staging, GLUE), entry.glue);
    const meta: Meta = {
      pipeline: entry.pipeline,
      modules: Object.keys(entry.modules),
      imports: entry.imports,
      exports: entry.exports,
      recycle: entry.recycle,
    };
    await writeFile(join(staging, META), JSON.stringify(meta, null, 2));

    // An entry from an older pipeline is replaced; a rename onto a non-empty dir would fail.
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
