// Time to make one instance from a template, measured in this process: a bare
// `new WebAssembly.Instance` of hello.wasm (what the node:http and workerd peers pay per request),
// WarpGrid's WagiTemplate.instantiate on the module as deployed ('fresh'), and the restore of a
// served instance from its memory snapshot ('reset').

import { readFile } from 'node:fs/promises';

import type { AppGrants, GuestRequest } from '../workers/guest-types.js';
import { WagiTemplate } from '../workers/wagi/wagi-app.js';
import { deployedHello } from './deployed-hello.js';
import { HELLO_WASM } from './paths.js';
import type { Distribution, TemplateTiming, Unavailable } from './results.js';

const WARMUP_CALLS = 200;

function distribution(samplesNs: number[]): Distribution {
  const sorted = samplesNs.sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
    ?? 0) / 1000;
  const meanUs = sorted.reduce((sum, ns) => sum + ns, 0) / sorted.length / 1000;
  return { calls: sorted.length, p50Us: at(0.5), p99Us: at(0.99), meanUs };
}

/** Times `step` `calls` times after a warm-up; `before` runs untimed ahead of each call. */
function time(calls: number, step: () => void, before: () => void = () => {}): Distribution {
  for (let i = 0; i < WARMUP_CALLS; i++) {
    before();
    step();
  }
  const samples: number[] = [];
  for (let i = 0; i < calls; i++) {
    before();
    const t0 = process.hrtime.bigint();
    step();
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return distribution(samples);
}

function plainImports(): WebAssembly.Imports {
  const ok = () => 0;
  return {
    wasi_snapshot_preview1: {
      environ_sizes_get: ok, environ_get: ok, fd_write: ok, args_sizes_get: ok, args_get: ok,
      proc_exit: ok,
    },
  };
}

async function deployedTemplate(): Promise<WagiTemplate> {
  const { deployed, manifest } = await deployedHello();
  const module = await WebAssembly.compile(deployed as Uint8Array<ArrayBuffer>);
  // A worker receives the grants as a structured clone of the manifest's, as here.
  const grants = structuredClone(manifest.grants) as AppGrants;
  return new WagiTemplate(module, grants, { ...manifest.limits }, () => {});
}

function helloRequest(): GuestRequest {
  return {
    method: 'GET', url: '/r/hello/', query: '', pathInfo: '/', scriptName: '/r/hello',
    headers: ['host', '127.0.0.1'], remoteAddr: '127.0.0.1', scheme: 'http',
    authority: '127.0.0.1', serverName: '127.0.0.1', serverPort: '80', requestId: 'bench',
    body: new Uint8Array(0),
  };
}

async function warpTimings(calls: number) {
  const template = await deployedTemplate();
  const warpInstantiate = time(calls, () => { template.instantiate(); });

  const instance = template.instantiate();
  const req = helloRequest();
  const warpRestore = time(calls, () => {
    if (!instance.state.restore()) throw new Error('the hello instance could not be restored');
  }, () => { template.run(instance, req); });
  return { warpInstantiate, warpRestore };
}

export async function measureTemplateTiming(calls: number): Promise<TemplateTiming> {
  const bytes = new Uint8Array(await readFile(HELLO_WASM));
  const plainModule = await WebAssembly.compile(bytes);
  const imports = plainImports();
  const plainInstance = time(calls, () => { new WebAssembly.Instance(plainModule, imports); });

  try {
    return { plainInstance, ...(await warpTimings(calls)) };
  } catch (err) {
    const gone: Unavailable = { available: false, reason: (err as Error).message };
    return { plainInstance, warpInstantiate: gone, warpRestore: gone };
  }
}
