// WarpGrid as a system under test: a manifest directory written for the run, and the flags that
// start a node on it (loopback, a port it picks, its own data dir).

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { ServerSpec } from './child-server.js';
import { NODE_MAIN } from './paths.js';

export interface BenchApp {
  name: string;
  module: string;
  min?: number;
  max?: number;
  recycle?: 'reset' | 'fresh';
}

export interface NodeFlags {
  workers: number;
  dispatch?: 'port' | 'piscina';
}

export async function writeManifests(dir: string, apps: readonly BenchApp[]): Promise<void> {
  // Written in batches: 10,000 files at once would exhaust file descriptors.
  const BATCH = 500;
  for (let i = 0; i < apps.length; i += BATCH) {
    await Promise.all(apps.slice(i, i + BATCH).map((app) =>
      writeFile(join(dir, `${app.name}.toml`), manifestToml(app))));
  }
}

function manifestToml(app: BenchApp): string {
  const lines = [`name = "${app.name}"`, `module = ${JSON.stringify(app.module)}`];
  const scale: string[] = [];
  if (app.min !== undefined) scale.push(`min = ${app.min}`);
  if (app.max !== undefined) scale.push(`max = ${app.max}`);
  if (app.recycle !== undefined) scale.push(`recycle = "${app.recycle}"`);
  if (scale.length > 0) lines.push('', '[scale]', ...scale);
  return `${lines.join('\n')}\n`;
}

/** `readyPath` is an app's path when the start is timed to the first served request. */
export function nodeSpec(label: string, manifestDir: string, dataDir: string, flags: NodeFlags,
  readyPath: string, readyTimeoutMs: number): ServerSpec {
  return {
    label,
    command: process.execPath,
    args: [NODE_MAIN, '--manifests', manifestDir, '--data-dir', dataDir, '--host', '127.0.0.1',
      '--port', '0', '--admin-host', '127.0.0.1', '--admin-port', '0',
      '--workers', String(flags.workers), '--dispatch', flags.dispatch ?? 'port',
      '--log-level', 'info'],
    port: null,
    readyPath,
    readyTimeoutMs,
  };
}
