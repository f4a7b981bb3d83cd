// The bench's scratch space: one temp directory per run for manifests and data dirs, removed at
// the end so a run leaves nothing behind but its results.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class Workspace {
  readonly root = mkdtempSync(join(tmpdir(), 'warpgrid-bench-'));
  private count = 0;

  /** A new empty directory, named for what it holds. */
  dir(name: string): string {
    const path = join(this.root, `${++this.count}-${name}`);
    mkdirSync(path, { recursive: true });
    return path;
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
