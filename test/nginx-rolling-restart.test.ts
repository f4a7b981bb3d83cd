// A rolling restart behind nginx: two nodes as upstreams, each stopped with SIGTERM (it stops
// listening, drains, exits 0) and started again while autocannon keeps a bounded load on nginx.
// No request may fail: nginx moves the ones a draining node turns away (503) or cannot take
// (refused connection) to the other node.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { freePort, startNginx, upstreamErrors, type RunningNginx } from './helpers/nginx.js';
import {
  manifestDir, manifestFor, ROOT, startNode, type RunningNode,
} from './helpers/node-process.js';

const LOAD_SECONDS = 12;
const CONNECTIONS = 16;

interface LoadResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
  requests: { total: number; average: number };
}

/** autocannon's CLI, bounded by its own duration; resolves with its JSON summary. */
async function load(url: string): Promise<LoadResult> {
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/autocannon/autocannon.js'),
    '-c', String(CONNECTIONS), '-d', String(LOAD_SECONDS), '-j', url],
  { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, out);
  return JSON.parse(out) as LoadResult;
}

/** Error-log lines counted by what went wrong, without times and connection numbers. */
function kindsOf(lines: string[]): string {
  const kinds = new Map<string, number>();
  for (const line of lines) {
    const kind = line.replace(/^.*\*\d+ /, '').replace(/, client:.*$/, '');
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return [...kinds].map(([kind, n]) => `${n} × ${kind}`).join('\n');
}

describe('rolling restart behind nginx', () => {
  const ports: number[] = [];
  const dataDirs: string[] = [];
  const nodes: RunningNode[] = [];
  let manifests: string;
  let proxy: RunningNginx;

  const start = (i: number) => startNode(['--manifests', manifests, '--workers', '1',
    '--port', String(ports[i]), '--admin-port', '0', '--data-dir', dataDirs[i] as string]);

  before(async () => {
    manifests = await manifestDir({
      'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm', '[scale]\nmin = 4'),
    });
    for (let i = 0; i < 2; i++) {
      ports.push(await freePort());
      dataDirs.push(await mkdtemp(join(tmpdir(), 'warp-data-')));
      nodes.push(await start(i));
    }
    proxy = await startNginx({ upstreams: ports });
  });

  after(async () => {
    await proxy?.stop();
    for (const node of nodes) await node.stop();
  });

  it('serves every request while both nodes restart one after the other', async (t) => {
    const result = load(`${proxy.url}/r/hello/`);
    await new Promise((r) => setTimeout(r, 2000));

    for (let i = 0; i < 2; i++) {
      const old = nodes[i] as RunningNode;
      assert.equal(await old.stop('SIGTERM'), 0, `node ${i} did not exit 0 after its drain`);
      assert.ok(old.logs.some((l) => l.msg === 'drained'), `node ${i} did not drain`);
      nodes[i] = await start(i);
      await new Promise((r) => setTimeout(r, 1500));
    }

    const summary = await result;
    // Refused connects to a node between its exit and its restart are expected: nginx logs
    // them, then retries the request on the other node.
    const retried = upstreamErrors(await proxy.errorLog());
    const why = `${JSON.stringify(summary)}\n${kindsOf(retried)}`;
    assert.equal(summary.errors, 0, why);
    assert.equal(summary.timeouts, 0, why);
    assert.equal(summary.non2xx, 0, why);
    assert.ok(summary['2xx'] > 1000, why);
    t.diagnostic(`${summary['2xx']} requests, ${summary.requests.average} req/s on average, ` +
      `${retried.length} upstream errors retried by nginx`);
  });
});
