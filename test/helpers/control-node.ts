// A real node with its admin API on port 0 and a data directory of its own, plus a runner for the
// warp CLI against it, for the control-plane tests.

import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ROOT, startNode, type RunningNode } from './node-process.js';

export const WARP = join(ROOT, 'dist/src/cli/warp.js');
export const ECHO = join(ROOT, 'examples/echo/echo.wasm');
export const HELLO = join(ROOT, 'examples/hello/hello.wasm');

export interface ControlNode extends RunningNode {
  dataDir: string;
  adminUrl: string;
  tokenFile: string;
  /** Runs `warp <args>` against this node. */
  warp(...args: string[]): Promise<CliRun>;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `warp-${prefix}-`));
}

export async function startControlNode(dataDir: string, extra: string[] = []):
  Promise<ControlNode> {
  const node = await startNode(['--admin-port', '0', '--data-dir', dataDir, '--workers', '2',
    ...extra]);
  const admin = await node.waitForLog((l) => l.msg === 'admin api listening');
  const adminUrl = `http://127.0.0.1:${admin.port as number}`;
  const tokenFile = join(dataDir, 'admin-token');
  return Object.assign(node, {
    dataDir, adminUrl, tokenFile,
    warp: (...args: string[]) =>
      runWarp(['--server', adminUrl, '--token-file', tokenFile, ...args]),
  });
}

export function runWarp(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WARP, ...args], { cwd: ROOT, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What the echo guest answers; `env` holds the app's granted environment. */
export interface EchoAnswer {
  env: Record<string, string>;
  path: string;
}

export async function echoEnv(url: string): Promise<Record<string, string> | number> {
  const res = await fetch(url);
  if (res.status !== 200) return res.status;
  return (await res.json() as EchoAnswer).env;
}

/** Polls `check` every 25 ms until it returns true; resolves with the time it took. */
export async function waitFor(check: () => Promise<boolean>, ms: number, what: string):
  Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check().catch(() => false)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

/** echo.wasm with a custom section appended: the same guest with a different sha256. */
export function echoVariant(bytes: Uint8Array, tag: string): Uint8Array<ArrayBuffer> {
  const name = Buffer.from('warp-test');
  const payload = Buffer.from(tag);
  const size = 1 + name.length + payload.length;
  if (size > 127 || name.length > 127) throw new Error('tag too long for a one-byte LEB128');
  return new Uint8Array(Buffer.concat([bytes, Buffer.from([0, size, name.length]), name, payload]));
}
