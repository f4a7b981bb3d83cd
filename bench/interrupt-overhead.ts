// What the interrupt instrumentation costs: the same guest run in-process through WagiTemplate,
// as written and as deployed (log-execution checks at loop headers and function entries), for
// the tiny hello and for a CPU-bound prime count. `node dist/bench/interrupt-overhead.js`

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { instrumentForInterrupt } from '../src/control/wasm/interrupt-instrument.js';
import { rewriteWagiModule } from '../src/control/wasm/wagi-rewrite.js';
import type { GuestRequest } from '../workers/guest-types.js';
import { WagiTemplate } from '../workers/wagi/wagi-app.js';

const ROOT = join(import.meta.dirname, '../..');
const GRANTS = { env: {}, files: [], allowedOutboundHosts: [], keyValue: [] };
const LIMITS = { memory: 64 << 20, timeout: 10_000, body: 1 << 20, response: 1 << 20 };
const REQUEST: GuestRequest = {
  method: 'GET', url: '/r/x/', query: '', pathInfo: '/', scriptName: '/r/x', headers: [],
  remoteAddr: '127.0.0.1', scheme: 'http', authority: 'localhost', serverName: 'localhost',
  serverPort: '80', requestId: 'bench', body: new Uint8Array(0),
};

async function template(bytes: Uint8Array): Promise<WagiTemplate> {
  const { bytes: deployed } = rewriteWagiModule(bytes, LIMITS.memory, 'bench');
  const module = await WebAssembly.compile(deployed as Uint8Array<ArrayBuffer>);
  return new WagiTemplate(module, GRANTS, LIMITS, () => {});
}

/** Median µs of one request: take an instance, run it, restore it. */
function timeRuns(t: WagiTemplate, runs: number): number {
  const instance = t.instantiate();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    t.run(instance, REQUEST);
    instance.state.restore();
    times.push((performance.now() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function compare(name: string, file: string, runs: number): Promise<void> {
  const bytes = await readFile(join(ROOT, file));
  const plain = await template(bytes);
  const checked = await template(await instrumentForInterrupt(bytes, name));
  timeRuns(plain, Math.ceil(runs / 10));
  timeRuns(checked, Math.ceil(runs / 10));
  const a = timeRuns(plain, runs);
  const b = timeRuns(checked, runs);
  process.stdout.write(`| ${name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ` +
    `${(b / a).toFixed(2)}× |\n`);
}

process.stdout.write('| guest | as written, p50 µs | instrumented, p50 µs | cost |\n');
process.stdout.write('|---|---|---|---|\n');
await compare('hello', 'examples/hello/hello.wasm', 20_000);
await compare('spin-cpu (primes below 300,000)', 'test/guests/spin-cpu.wasm', 40);
process.exit(0);
