// A bounded mixed load: good requests next to hostile ones. The good ones must all succeed; their
// p99 with and without the hostile traffic is printed for the README (timing is not asserted
// here, because this machine is shared; the ratio is tracked by the benchmark).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import autocannon from 'autocannon';

import { manifestDir, manifestFor, startNode, type RunningNode } from './helpers/node-process.js';

const HOSTILE = ['/r/loop/', '/r/echo/trap', '/r/crlf/', '/r/exit3/', '/r/grow/', '/r/recurse/'];

function load(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections: 8, duration: seconds });
}

/** Sends hostile requests one after another until `until`; returns how many were answered. */
async function hostileTraffic(base: string, until: number): Promise<number> {
  let answered = 0;
  for (let i = 0; performance.now() < until && i < 10_000; i++) {
    const res = await fetch(base + HOSTILE[i % HOSTILE.length]);
    await res.arrayBuffer();
    if (res.status >= 500) answered++;
  }
  return answered;
}

describe('good and hostile traffic together', () => {
  let node: RunningNode;

  before(async () => {
    const hostile = (name: string, file: string) => manifestFor(name, file,
      '[scale]\nmax = 2\n[limits]\ntimeout = "200ms"\nmemory = "8MiB"');
    const dir = await manifestDir({
      'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm', '[scale]\nmin = 4'),
      'echo.toml': hostile('echo', 'examples/echo/echo.wasm'),
      'loop.toml': hostile('loop', 'test/guests/loop.wasm'),
      'crlf.toml': hostile('crlf', 'test/guests/crlf-header.wasm'),
      'exit3.toml': hostile('exit3', 'test/guests/exit3.wasm'),
      'grow.toml': hostile('grow', 'test/guests/grow.wasm'),
      'recurse.toml': hostile('recurse', 'test/guests/recurse.wasm'),
    });
    node = await startNode(['--manifests', dir, '--workers', '2']);
  });

  after(async () => {
    await node.stop();
  });

  it('answers every good request while hostile guests misbehave', async () => {
    const url = `${node.url}/r/hello/`;
    const quiet = await load(url, 3);
    const [mixed, hostile] = await Promise.all([
      load(url, 3),
      hostileTraffic(node.url, performance.now() + 3000),
    ]);
    for (const run of [quiet, mixed]) {
      assert.equal(run.errors, 0);
      assert.equal(run.non2xx, 0);
      assert.ok(run.requests.total > 100);
    }
    assert.ok(hostile > 5, `hostile answered: ${hostile}`);
    const ratio = mixed.latency.p99 / Math.max(quiet.latency.p99, 1);
    process.stdout.write(`# good p99 quiet ${quiet.latency.p99} ms, with hostile ` +
      `${mixed.latency.p99} ms (${ratio.toFixed(2)}x); good req/s ${quiet.requests.average} vs ` +
      `${mixed.requests.average}; hostile answered ${hostile}\n`);
  });
});
