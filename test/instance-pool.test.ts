// The warm pool: ready instances are handed out first, refills come after the request, and a
// burst's extra instances go once they have idled for scale.idle.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';

import { InstancePool } from '../workers/instance-pool.js';

describe('instance pool', () => {
  it('keeps min ready and refills after a spent instance, not before', async () => {
    let made = 0;
    const pool = new InstancePool(() => ++made, 2, (err) => assert.ifError(err));
    pool.fill();
    assert.equal(pool.warm, 2);
    assert.equal(pool.take(), 2);
    assert.equal(made, 2);
    pool.spend();
    assert.equal(made, 2, 'no instance is made before the response has gone out');
    await tick();
    assert.equal(pool.warm, 2);
    assert.equal(made, 3);
    pool.close();
  });

  it('releases instances above min after they idle for scale.idle', () => {
    let made = 0;
    const pool = new InstancePool(() => ++made, 1, (err) => assert.ifError(err), 1000);
    pool.fill();
    const burst = [pool.take(), pool.take(), pool.take()];
    for (const instance of burst) pool.give(instance);
    assert.equal(pool.warm, 3);
    const now = performance.now();
    pool.sweep(now);
    assert.equal(pool.warm, 3, 'fresh returns are kept');
    pool.sweep(now + 1500);
    assert.equal(pool.warm, 1, 'only min is left');
    pool.close();
  });
});
