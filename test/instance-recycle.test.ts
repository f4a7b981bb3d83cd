// Recycled WAGI instances: the deploy-time rewrite, and proof that a reset instance shows the
// next request nothing the last one wrote.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
  GLOBAL_EXPORT_PREFIX, rewriteWagiModule, TABLE_EXPORT_PREFIX,
} from '../src/control/wasm/wagi-rewrite.js';
import { manifestDir, manifestFor, ROOT, startNode } from './helpers/node-process.js';

describe('wagi module rewrite', () => {
  it('exports mutable globals and tables and caps memory', async () => {
    const bytes = await readFile(join(ROOT, 'test/guests/counter.wasm'));
    const { bytes: out, memoryPages } = rewriteWagiModule(bytes, 4 * 1024 * 1024, 'counter');
    const module = await WebAssembly.compile(out as Uint8Array<ArrayBuffer>);
    const names = WebAssembly.Module.exports(module).map((e) => e.name);
    assert.ok(names.includes('_start') && names.includes('memory'));
    assert.ok(names.some((n) => n.startsWith(GLOBAL_EXPORT_PREFIX)), names.join(','));
    assert.ok(names.some((n) => n.startsWith(TABLE_EXPORT_PREFIX)), names.join(','));
    assert.equal(memoryPages.max, 64);
  });

  it('refuses a module whose initial memory is over the limit', async () => {
    const bytes = await readFile(join(ROOT, 'test/guests/counter.wasm'));
    assert.throws(() => rewriteWagiModule(bytes, 1000, 'counter.wasm'),
      /counter\.wasm: the module starts with \d+ KiB of memory, over limits\.memory/);
  });

  it('names a truncated module as malformed', async () => {
    const bytes = await readFile(join(ROOT, 'examples/hello/hello.wasm'));
    assert.throws(() => rewriteWagiModule(bytes.subarray(0, 40), 1 << 20, 'cut.wasm'),
      /cut\.wasm: the module is malformed/);
  });
});

describe('instance isolation between requests', () => {
  for (const recycle of ['reset', 'fresh']) {
    it(`shows every request a fresh instance with recycle = '${recycle}'`, async () => {
      const dir = await manifestDir({
        'counter.toml': manifestFor('counter', 'test/guests/counter.wasm',
          `[scale]\nmin = 1\nmax = 4\nrecycle = "${recycle}"`),
      });
      const node = await startNode(['--manifests', dir, '--workers', '1']);
      try {
        for (let i = 0; i < 50; i++) {
          const text = await (await fetch(`${node.url}/r/counter/`)).text();
          assert.match(text, /^served=1 /, `request ${i}`);
        }
      } finally {
        await node.stop();
      }
    });
  }
});
