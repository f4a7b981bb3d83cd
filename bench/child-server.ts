// A server under test in its own process group: started, waited for until it answers 200,
// measured (RSS of its whole process tree), and stopped with SIGTERM, then SIGKILL.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

import { firstOk } from './http-probe.js';

export interface ServerSpec {
  label: string;
  command: string;
  args: string[];
  cwd?: string;
  /** A fixed port the bench chose, or null when the server prints it (a JSON `"port":N`). */
  port: number | null;
  /** The path polled until it answers 200. */
  readyPath: string;
  readyTimeoutMs: number;
}

/** A peer's `{"msg":"listening","port":N}`, or a WarpGrid node's own line (not its admin API's). */
const PORT_LINE = /"msg":"listening","port":(\d+)|"port":(\d+).*"msg":"node listening"/;
const KEEP_LINES = 40;

/** Servers started and not yet stopped, so an interrupted bench can stop them. */
const running = new Set<ChildServer>();

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}

export class ChildServer {
  port: number | null;
  /** Process start to first 200 on readyPath, in ms. */
  firstOkMs = 0;
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private exited = false;

  constructor(readonly spec: ServerSpec) {
    this.port = spec.port;
    // detached: the server gets its own process group, so stop() also ends its children.
    this.child = spawn(spec.command, spec.args, {
      cwd: spec.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    running.add(this);
    this.child.on('exit', () => {
      this.exited = true;
      running.delete(this);
    });
    this.child.stdout?.setEncoding('utf8').on('data', splitLines((l) => this.onLine(l)));
    this.child.stderr?.setEncoding('utf8').on('data', splitLines((l) => this.onLine(l)));
  }

  static async start(spec: ServerSpec): Promise<ChildServer> {
    const since = performance.now();
    const server = new ChildServer(spec);
    try {
      server.firstOkMs = await firstOk(() => server.port, spec.readyPath, since,
        spec.readyTimeoutMs, () => !server.exited);
    } catch (err) {
      await server.stop();
      throw new Error(`${spec.label}: ${(err as Error).message}; last output: ` +
        server.tail(6));
    }
    return server;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resident memory of the server and every process under it, in KiB. */
  rssKb(): number {
    return treePids(this.pid).reduce((sum, pid) => sum + statusKb(pid, 'VmRSS'), 0);
  }

  tail(n: number): string {
    return this.lines.slice(-n).join(' | ').slice(0, 600);
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    if (!this.exited) {
      const gone = new Promise<void>((r) => this.child.once('exit', () => r()));
      signalGroup(pid, 'SIGTERM');
      const late = setTimeout(() => signalGroup(pid, 'SIGKILL'), 3000);
      await gone;
      clearTimeout(late);
    }
    // Children of the group (jco's server process) may outlive the leader.
    signalGroup(pid, 'SIGKILL');
  }

  private onLine(line: string): void {
    if (line === '') return;
    this.lines.push(line);
    if (this.lines.length > KEEP_LINES) this.lines.shift();
    const m = this.port === null ? PORT_LINE.exec(line) : null;
    if (m !== null) this.port = Number(m[1] ?? m[2]);
  }
}

/** Output arrives in pipe-sized chunks; a line (a node's 10,000 app names) may span several. */
function splitLines(onLine: (line: string) => void): (text: string) => void {
  let partial = '';
  return (text) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) onLine(line);
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already gone.
  }
}

function treePids(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length; i++) {
    const pid = out[i] as number;
    out.push(...childrenOf(pid));
  }
  return out;
}

function childrenOf(pid: number): number[] {
  try {
    const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return text === '' ? [] : text.split(/\s+/).map(Number);
  } catch {
    return [];
  }
}

function statusKb(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]);
  } catch {
    return 0;
  }
}

/** A port that was free a moment ago, for servers that cannot be told to pick one. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
