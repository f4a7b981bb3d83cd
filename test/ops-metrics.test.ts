// /_warp/metrics on a real node: every count that the issue asks for moves with the requests
// that should move it, and the Prometheus text parses.

import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { manifestDir, manifestFor, startNode, type RunningNode } from './helpers/node-process.js';
import { parseMetrics, valueOf, type Sample } from './helpers/prometheus-text.js';

describe('/_warp/metrics', () => {
  let node: RunningNode;

  before(async () => {
    const dir = await manifestDir({
      'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm', '[scale]\nmin = 3'),
      'echo.toml': manifestFor('echo', 'examples/echo/echo.wasm',
        '[scale]\nmin = 1\n[limits]\nbody = "1KiB"'),
      'loop.toml': manifestFor('loop', 'test/guests/loop.wasm', '[limits]\ntimeout = "200ms"'),
      'spin.toml': manifestFor('spin', 'test/guests/spin-cpu.wasm',
        '[scale]\nmin = 1\nmax = 1\n[limits]\ntimeout = "10s"'),
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
    node = await startNode(['--manifests', dir, '--workers', '2', '--admin-port', '0',
      '--data-dir', dataDir]);
  });

  after(async () => {
    await node.stop();
  });

  async function scrape(): Promise<Sample[]> {
    const res = await fetch(`${node.url}/_warp/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  }

  it('counts requests by app and status, with a latency histogram per app', async () => {
    for (let i = 0; i < 7; i++) assert.equal((await fetch(`${node.url}/r/hello/`)).status, 200);
    assert.equal((await fetch(`${node.url}/r/echo/status/404`)).status, 404);
    assert.equal((await fetch(`${node.url}/r/nope/`)).status, 404);

    const m = await scrape();
    assert.equal(valueOf(m, 'warp_requests_total', { app: 'hello', status: '200' }), 7);
    assert.equal(valueOf(m, 'warp_requests_total', { app: 'echo', status: '404' }), 1);
    assert.equal(valueOf(m, 'warp_unrouted_requests_total'), 1);
    assert.equal(valueOf(m, 'warp_request_duration_seconds_count', { app: 'hello' }), 7);
    assert.equal(valueOf(m, 'warp_request_duration_seconds_bucket', { app: 'hello', le: '+Inf' }),
      7);
    assert.ok(valueOf(m, 'warp_request_duration_seconds_sum', { app: 'hello' }) > 0);
  });

  it('reports warm and busy instances and how long instances took to make', async () => {
    const m = await scrape();
    assert.equal(valueOf(m, 'warp_instances_warm', { app: 'hello' }), 3);
    assert.equal(valueOf(m, 'warp_instances_busy', { app: 'hello' }), 0);
    assert.ok(valueOf(m, 'warp_instance_create_seconds_count', { app: 'hello' }) >= 3);
    assert.ok(valueOf(m, 'warp_instance_create_seconds_sum', { app: 'hello' }) > 0);
  });

  it('counts guest traps by app', async () => {
    assert.equal((await fetch(`${node.url}/r/echo/trap`)).status, 500);
    const m = await scrape();
    assert.equal(valueOf(m, 'warp_guest_traps_total', { app: 'echo' }), 1);
    assert.equal(valueOf(m, 'warp_errors_total', { app: 'echo', code: 'WARP_E_GUEST_TRAP' }), 1);
  });

  it('counts rejections by reason: body too large, timeout, queue full', async () => {
    const big = await fetch(`${node.url}/r/echo/`, { method: 'POST', body: 'x'.repeat(2048) });
    assert.equal(big.status, 413);
    assert.equal((await fetch(`${node.url}/r/loop/`)).status, 504);

    // scale.max 1 and a queue of 16: of 40 at once, at least 23 find the queue full.
    const statuses = await Promise.all(Array.from({ length: 40 }, async () =>
      (await fetch(`${node.url}/r/spin/`)).status));
    const full = statuses.filter((s) => s === 503).length;
    assert.ok(full >= 23, statuses.join(','));

    const m = await scrape();
    assert.equal(valueOf(m, 'warp_rejections_total', { app: 'echo', reason: 'body_too_large' }),
      1);
    assert.equal(valueOf(m, 'warp_rejections_total', { app: 'loop', reason: 'timeout' }), 1);
    assert.equal(valueOf(m, 'warp_rejections_total', { app: 'spin', reason: 'queue_full' }), full);
    assert.equal(valueOf(m, 'warp_requests_total', { app: 'spin', status: '503' }), full);
    assert.equal(valueOf(m, 'warp_queue_depth', { app: 'spin' }), 0);
  });

  it('reports deploys, worker restarts, workers and node memory', async () => {
    const m = await scrape();
    assert.equal(valueOf(m, 'warp_deploys_total'), 4);
    assert.equal(valueOf(m, 'warp_worker_restarts_total'), 0);
    assert.equal(valueOf(m, 'warp_workers_online'), 2);
    assert.ok(valueOf(m, 'process_resident_memory_bytes') > 0);
    assert.ok(valueOf(m, 'nodejs_heap_size_used_bytes') > 0);
    assert.ok(valueOf(m, 'warp_worker_heap_bytes', { worker: '0' }) > 0);
    // Every request that reached a worker was served by one of them.
    const routed = valueOf(m, 'warp_requests_total') -
      valueOf(m, 'warp_rejections_total', { reason: 'body_too_large' }) -
      valueOf(m, 'warp_rejections_total', { reason: 'queue_full' });
    assert.equal(valueOf(m, 'warp_worker_requests_total'), routed);
  });
});
