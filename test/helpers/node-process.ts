// Starts a real WarpGrid node as a child process on port 0 and reads its JSON log, so tests talk
// HTTP to the same binary users run.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const MAIN = join(ROOT, 'dist/main.js');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export interface RunningNode {
  port: number;
  url: string;
  child: ChildProcess;
  logs: LogLine[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the first log line that matches, or rejects after `ms`. */
  waitForLog(match: (line: LogLine) => boolean, ms?: number): Promise<LogLine>;
}

export async function startNode(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}):
  Promise<RunningNode> {
  // Each node gets its own data dir and a free admin port, unless the test picks them.
  const own: string[] = [];
  if (!args.includes('--data-dir')) {
    own.push('--data-dir', await mkdtemp(join(tmpdir(), 'warp-data-')));
  }
  if (!args.includes('--admin-port')) own.push('--admin-port', '0');
  const argv = [MAIN, '--port', '0', '--log-level', 'info', ...own, ...args];
  const child = spawn(process.execPath, argv, {
    cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const waiters: Array<{ match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { level: 0, msg: text };
    }
    logs.push(line);
    for (const w of waiters.splice(0)) {
      if (w.match(line)) w.resolve(line);
      else waiters.push(w);
    }
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });

  const waitForLog = (match: (l: LogLine) => boolean, ms = 10_000) => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise<LogLine>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no matching log in ${ms} ms; stderr: ` +
        stderr.slice(0, 500))), ms);
      waiters.push({ match, resolve: (l) => { clearTimeout(timer); res(l); } });
    });
  };

  const exited = once(child, 'exit');
  const listening = await Promise.race([
    waitForLog((l) => l.msg === 'node listening', 180_000),
    exited.then(([code]) => { throw new Error(`node exited with ${code}: ${stderr}`); }),
  ]);
  const port = listening.port as number;
  return {
    port, url: `http://127.0.0.1:${port}`, child, logs, waitForLog,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      const [code] = await exited;
      return code as number | null;
    },
  };
}

/** A temporary manifests directory with the given files (name → TOML or bytes). */
export async function manifestDir(files: Record<string, string | Uint8Array>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'warp-test-'));
  await mkdir(dir, { recursive: true });
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** A manifest for a guest in the repo, by path relative to the repo root. */
export function manifestFor(name: string, module: string, extra = ''): string {
  return `name = "${name}"\nmodule = "${join(ROOT, module)}"\n${extra}\n`;
}
