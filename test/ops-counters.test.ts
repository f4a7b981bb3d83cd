// The ops building blocks on their own: quantiles from bucket counts, the sliding minute, the
// error ring, a prom-client histogram filled from counts, and the token guard of status and
// metrics.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { Registry as PromRegistry } from 'prom-client';

import type { Registry } from '../src/control/registry.js';
import type { Dispatcher } from '../src/dispatch/dispatcher.js';
import { BucketCounts, LATENCY_BOUNDS, quantileOf } from '../src/ops/bucket-counts.js';
import { BucketHistogram } from '../src/ops/bucket-histogram.js';
import { ErrorRing } from '../src/ops/error-ring.js';
import { MinuteWindow } from '../src/ops/minute-window.js';
import { NodeOps, type EndpointReply } from '../src/ops/node-ops.js';
import { bucketsOf, parseMetrics, valueOf } from './helpers/prometheus-text.js';

describe('bucket counts', () => {
  it('puts values in the first bucket whose bound is not below them', () => {
    const b = new BucketCounts([1, 2, 5]);
    for (const v of [0.5, 1, 1.5, 5, 9]) b.observe(v);
    assert.deepEqual([...b.counts], [2, 1, 1, 1]);
    assert.equal(b.count, 5);
    assert.equal(b.sum, 17);
  });

  it('interpolates quantiles inside a bucket as histogram_quantile does', () => {
    assert.equal(quantileOf([1, 2, 4], [0, 10, 0, 0], 0.5), 1.5);
    assert.equal(quantileOf([1, 2, 4], [10, 0, 0, 0], 0.99), 0.99);
    assert.equal(quantileOf([1, 2, 4], [0, 0, 0, 3], 0.5), 4);
    assert.equal(quantileOf([1, 2, 4], [0, 0, 0, 0], 0.5), null);
  });
});

describe('minute window', () => {
  it('keeps the last 60 seconds and forgets older ones', () => {
    const w = new MinuteWindow();
    const base = 1_000_000;
    w.record(0.001, base);
    w.record(0.001, base + 500);
    w.record(0.2, base + 30_000);
    const sum = (a: Float64Array) => a.reduce((x, y) => x + y, 0);
    assert.equal(sum(w.lastMinute(base + 30_000)), 3);
    assert.equal(sum(w.lastMinute(base + 60_500)), 1);
    assert.equal(sum(w.lastMinute(base + 200_000)), 0);
    w.record(0.001, base + 200_000);
    assert.equal(sum(w.lastMinute(base + 200_000)), 1);
    assert.equal(w.lastMinute(base + 200_000).length, LATENCY_BOUNDS.length + 1);
  });
});

describe('error ring', () => {
  it('keeps the newest errors first, up to its size', () => {
    const ring = new ErrorRing(3);
    for (let i = 1; i <= 5; i++) ring.push('app', 'WARP_E_TIMEOUT', 504, `id-${i}`, 'late');
    assert.deepEqual(ring.list().map((e) => e.requestId), ['id-5', 'id-4', 'id-3']);
  });
});

describe('bucket histogram', () => {
  it('renders Prometheus buckets, sum and count from counts kept elsewhere', async () => {
    const prom = new PromRegistry();
    prom.registerMetric(new BucketHistogram({ name: 'x_seconds', help: 'x', labelNames: ['app'],
      buckets: [0.1, 1], read: () => [{ labels: { app: 'a' }, counts: [2, 3, 1], sum: 4.5 }] }));
    const samples = parseMetrics(await prom.metrics());
    assert.equal(valueOf(samples, 'x_seconds_bucket', { app: 'a', le: '0.1' }), 2);
    assert.equal(valueOf(samples, 'x_seconds_bucket', { app: 'a', le: '1' }), 5);
    assert.equal(valueOf(samples, 'x_seconds_bucket', { app: 'a', le: '+Inf' }), 6);
    assert.equal(valueOf(samples, 'x_seconds_sum', { app: 'a' }), 4.5);
    assert.equal(valueOf(samples, 'x_seconds_count', { app: 'a' }), 6);
    assert.deepEqual(bucketsOf(samples, 'x_seconds', { app: 'a' }),
      { bounds: [0.1, 1], counts: [2, 3, 1] });
    const json = await prom.getMetricsAsJSON();
    assert.equal(json[0]?.values.length, 5);
  });
});

describe('status and metrics guard', () => {
  const dispatcher = { slots: [], workerRestarts: 0 } as unknown as Dispatcher;
  const registry = { apps: new Map(), deploys: 0 } as unknown as Registry;
  const ops = (tokenRequired: boolean, token: string | null) => new NodeOps({
    dispatcher, registry, startedAt: Date.now(), accessLog: null,
    access: { tokenRequired, token: () => token },
  });
  const statusOf = async (reply: EndpointReply | Promise<EndpointReply> | null) =>
    (await reply)?.status;

  it('serves everything without a token on loopback', async () => {
    const open = ops(false, null);
    assert.equal(await statusOf(open.answer('/_warp/status.json', '')), 200);
    assert.equal(await statusOf(open.answer('/_warp/metrics', '')), 200);
  });

  it('needs the bearer token for status and metrics when reachable from other hosts', async () => {
    const guarded = ops(true, 'secret-token-0123456789');
    for (const path of ['/_warp/status.json', '/_warp/metrics']) {
      const denied = await guarded.answer(path, '');
      assert.equal(denied?.status, 401);
      assert.match(denied?.body ?? '', /WARP_E_UNAUTHORIZED/);
      assert.equal(await statusOf(guarded.answer(path, 'Bearer wrong')), 401);
      assert.equal(await statusOf(guarded.answer(path, 'Bearer secret-token-0123456789')), 200);
    }
    assert.equal(await statusOf(ops(true, null).answer('/_warp/metrics', 'Bearer x')), 401);
  });

  it('always serves the page, which holds no data, and nothing else', async () => {
    const page = await ops(true, 'secret-token-0123456789').answer('/_warp/', '');
    assert.equal(page?.status, 200);
    assert.match(page?.body ?? '', /<title>WarpGrid node<\/title>/);
    assert.doesNotMatch(page?.body ?? '', /(src|href)="(https?:)?\/\//);
    assert.equal(ops(false, null).answer('/_warp/other', ''), null);
  });
});
