// The status page in a real headless Chromium: it renders the node's apps, instances, rates and
// recent errors, its numbers agree with /_warp/metrics, and it loads nothing from elsewhere.
// A screenshot is left in test/artifacts/ for a person to look at.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import type { Page } from 'playwright-core';

import { launchChromium, type Browser } from './helpers/chromium.js';
import {
  manifestDir, manifestFor, ROOT, startNode, type RunningNode,
} from './helpers/node-process.js';
import { bucketsOf, parseMetrics, valueOf, type Sample } from './helpers/prometheus-text.js';
import { quantileOf } from '../src/ops/bucket-counts.js';

const ARTIFACTS = join(ROOT, 'test/artifacts');

describe('status page in headless chromium', () => {
  let node: RunningNode;
  let browser: Browser;
  let page: Page;
  const requested: string[] = [];

  before(async () => {
    const dir = await manifestDir({
      'hello.toml': manifestFor('hello', 'examples/hello/hello.wasm', '[scale]\nmin = 2'),
      'echo.toml': manifestFor('echo', 'examples/echo/echo.wasm', '[scale]\nmin = 1'),
    });
    const dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
    node = await startNode(['--manifests', dir, '--workers', '2', '--admin-port', '0',
      '--data-dir', dataDir]);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('request', (r) => requested.push(r.url()));
  });

  after(async () => {
    await browser?.close();
    await node?.stop();
  });

  async function cellOf(app: string, field: string): Promise<string> {
    return page.locator(`tr[data-app="${app}"] td[data-field="${field}"]`).innerText();
  }

  async function metrics(): Promise<Sample[]> {
    return parseMetrics(await (await fetch(`${node.url}/_warp/metrics`)).text());
  }

  it('shows apps, instances, rates and recent errors that match /_warp/metrics', async () => {
    for (let i = 0; i < 150; i++) await fetch(`${node.url}/r/hello/`);
    for (let i = 0; i < 5; i++) await fetch(`${node.url}/r/echo/x`);
    const trap = await fetch(`${node.url}/r/echo/trap`, { headers: { 'x-request-id': 'trap-1' } });
    assert.equal(trap.status, 500);

    await page.goto(`${node.url}/_warp/`);
    const m = await metrics();
    const total = valueOf(m, 'warp_requests_total', { app: 'hello' });
    assert.equal(total, 150);
    // The page polls every second: wait for a poll that has seen every request.
    await page.waitForFunction((n) => document.querySelector(
      'tr[data-app="hello"] td[data-field="requests"]')?.textContent === String(n), total,
    { timeout: 10_000 });

    assert.equal(await cellOf('hello', 'abi'), 'wagi');
    assert.equal(await cellOf('hello', 'route'), '/r/hello');
    assert.equal(Number(await cellOf('hello', 'warm')),
      valueOf(m, 'warp_instances_warm', { app: 'hello' }));
    assert.equal(Number(await cellOf('hello', 'busy')),
      valueOf(m, 'warp_instances_busy', { app: 'hello' }));
    assert.equal(Number(await cellOf('echo', 'requests')),
      valueOf(m, 'warp_requests_total', { app: 'echo' }));
    assert.equal(Number(await cellOf('echo', 'errors')),
      valueOf(m, 'warp_errors_total', { app: 'echo' }));

    // Every request is inside the last minute, so the page's p99 is the metrics' p99.
    const { bounds, counts } = bucketsOf(m, 'warp_request_duration_seconds', { app: 'hello' });
    const p99 = (quantileOf(bounds, counts, 0.99) as number) * 1000;
    assert.ok(Math.abs(Number(await cellOf('hello', 'p99')) - p99) < 0.01,
      `${await cellOf('hello', 'p99')} vs ${p99}`);
    assert.ok(Number(await cellOf('hello', 'rps')) > 0);

    const error = page.locator('#errors tr').first();
    assert.equal(await error.locator('td[data-field="requestId"]').innerText(), 'trap-1');
    assert.equal(await error.locator('td[data-field="code"]').innerText(), 'WARP_E_GUEST_TRAP');
    assert.equal(await error.locator('td[data-field="app"]').innerText(), 'echo');
  });

  it('shows node memory and workers like the metrics do', async () => {
    const m = await metrics();
    const rssMiB = valueOf(m, 'process_resident_memory_bytes') / 1048576;
    const shown = Number((await page.locator('#rss').innerText()).replace(' MiB', ''));
    assert.ok(Math.abs(shown - rssMiB) / rssMiB < 0.25, `${shown} vs ${rssMiB}`);
    assert.equal(await page.locator('#workers').innerText(), '2 / 2');
    assert.equal(await page.locator('#deploys').innerText(),
      String(valueOf(m, 'warp_deploys_total')));
    assert.equal(await page.locator('#restarts').innerText(), '0');
  });

  it('keeps updating, loads nothing from elsewhere, and leaves a screenshot', async () => {
    const before = Number(await page.locator('body').getAttribute('data-updates'));
    await page.waitForFunction((n) => Number(document.body.dataset.updates) > n + 1, before,
      { timeout: 5000 });
    assert.ok(requested.length > 2);
    for (const url of requested) assert.ok(url.startsWith(`${node.url}/_warp/`), url);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
  });
});
