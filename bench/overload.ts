// Backpressure at 10× overload: an open-loop load at ten times what an app can serve, for 20 s,
// against a node started here on loopback. Every request must get 200 or 503; the 503s must be
// fast; the node's RSS must not grow with the offered load. `node dist/bench/overload.js`

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = join(import.meta.dirname, '../..');
const SECONDS = Number(process.env.OVERLOAD_SECONDS ?? 20);
const MAX = 2;

interface Sample {
  status: number;
  ms: number;
}

async function startNode(): Promise<{ port: number; pid: number; stop: () => void }> {
  const dir = await mkdtemp(join(tmpdir(), 'warp-overload-'));
  await writeFile(join(dir, 'spin.toml'), `name = "spin"\nmodule = ` +
    `${JSON.stringify(join(ROOT, 'test/guests/spin-cpu.wasm'))}\n[scale]\nmin = 2\nmax = ${MAX}\n`);
  const child = spawn(process.execPath, [join(ROOT, 'dist/main.js'), '--manifests', dir,
    '--data-dir', join(dir, 'data'), '--port', '0', '--admin-port', '0', '--workers', '2'],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node did not start')), 60_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; port?: number };
      if (entry.msg === 'node listening') {
        clearTimeout(timer);
        resolve(entry.port as number);
      }
    });
  });
  return { port, pid: child.pid as number, stop: () => child.kill('SIGTERM') };
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

function one(agent: Agent, port: number): Promise<Sample> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/r/spin/', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, ms: performance.now() - t0 }));
    req.end();
  });
}

/** Requests per second one app can serve, measured closed-loop for 3 s. */
async function capacity(agent: Agent, port: number): Promise<number> {
  let done = 0;
  const until = performance.now() + 3000;
  await Promise.all(Array.from({ length: MAX }, async () => {
    while (performance.now() < until) {
      await one(agent, port);
      done++;
    }
  }));
  return done / 3;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1,
    Math.floor(sorted.length * p))] as number;
}

const node = await startNode();
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const served = await capacity(agent, node.port);
const rate = Math.ceil(served * 10);
const samples: Sample[] = [];
const rss: number[] = [];
const pending: Array<Promise<void>> = [];
const started = performance.now();

// An open loop: every 10 ms, send what the rate asks for, whatever is still unanswered.
for (let tick = 0; tick < SECONDS * 100; tick++) {
  const due = Math.round(((tick + 1) * rate) / 100) - Math.round((tick * rate) / 100);
  for (let i = 0; i < due; i++) {
    pending.push(one(agent, node.port).then((s) => { samples.push(s); }));
  }
  if (tick % 100 === 0) rss.push(await rssKiB(node.pid));
  const next = started + (tick + 1) * 10;
  await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
}
await Promise.all(pending);
node.stop();
agent.destroy();

const by = (code: number) => samples.filter((s) => s.status === code).map((s) => s.ms)
  .sort((a, b) => a - b);
const ok = by(200);
const rejected = by(503);
const other = samples.length - ok.length - rejected.length;
const half = Math.floor(rss.length / 2);
const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
process.stdout.write([
  `capacity ${served.toFixed(0)} req/s (spin-cpu, scale.max ${MAX}); offered ${rate} req/s ` +
    `for ${SECONDS} s, open loop (node:http)`,
  `answered ${samples.length}: 200 ${ok.length}, 503 ${rejected.length}, other ${other}`,
  `503 latency p50 ${percentile(rejected, 0.5).toFixed(2)} ms, p99 ` +
    `${percentile(rejected, 0.99).toFixed(2)} ms; 200 latency p99 ${percentile(ok, 0.99)
      .toFixed(1)} ms`,
  `node RSS first half ${avg(rss.slice(0, half)).toFixed(0)} KiB, second half ` +
    `${avg(rss.slice(half)).toFixed(0)} KiB (${rss.join(' ')})`,
  '',
].join('\n'));
process.exit(other === 0 ? 0 : 1);
