// Warm instances of one app on one worker. A request takes a ready instance; replacements are
// made after the response has gone out, so instantiation stays off the hot path. Instances a
// burst left above `min` are released once they have been idle for `idleMs`.

import { BucketCounts, INSTANCE_BOUNDS } from '../src/ops/bucket-counts.js';

const pools = new Set<InstancePool<unknown>>();
const SWEEP_MS = 1000;

// One timer per worker sweeps every pool; it never keeps the thread alive on its own.
setInterval(() => {
  const now = performance.now();
  for (const pool of pools) pool.sweep(now);
}, SWEEP_MS).unref();

export class InstancePool<I> {
  /** Ready instances, most recently handed back last. */
  private readonly ready: I[] = [];
  /** When each ready instance became ready, in the same order. */
  private readonly readySince: number[] = [];
  private refillQueued = false;
  busy = 0;
  closed = false;
  /** How long each instance took to make, for the metrics. */
  readonly made = new BucketCounts(INSTANCE_BOUNDS);

  constructor(
    private readonly make: () => I,
    private readonly min: number,
    private readonly onError: (err: unknown) => void,
    private readonly idleMs = 30_000,
  ) {
    pools.add(this as InstancePool<unknown>);
  }

  get warm(): number {
    return this.ready.length;
  }

  /** A ready instance, or a new one when none is ready. */
  take(): I {
    this.busy++;
    const instance = this.ready.pop();
    if (instance === undefined) return this.timedMake();
    this.readySince.pop();
    return instance;
  }

  /** Hands back an instance that may serve again. */
  give(instance: I): void {
    this.busy--;
    if (this.closed) return;
    this.ready.push(instance);
    this.readySince.push(performance.now());
  }

  /** Marks an instance as spent and tops the pool up once the current turn is over. */
  spend(): void {
    this.busy--;
    this.scheduleRefill();
  }

  fill(): void {
    try {
      while (!this.closed && this.ready.length < this.min) {
        this.ready.push(this.timedMake());
        this.readySince.push(performance.now());
      }
    } catch (err) {
      this.onError(err);
    }
  }

  /** Releases the longest-idle instances above `min`. */
  sweep(now: number): void {
    let drop = 0;
    while (this.ready.length - drop > this.min &&
      now - (this.readySince[drop] as number) > this.idleMs) drop++;
    if (drop === 0) return;
    this.ready.splice(0, drop);
    this.readySince.splice(0, drop);
  }

  close(): void {
    this.closed = true;
    this.ready.length = 0;
    this.readySince.length = 0;
    pools.delete(this as InstancePool<unknown>);
  }

  private timedMake(): I {
    const t0 = performance.now();
    const instance = this.make();
    this.made.observe((performance.now() - t0) / 1000);
    return instance;
  }

  private scheduleRefill(): void {
    if (this.refillQueued || this.closed || this.ready.length >= this.min) return;
    this.refillQueued = true;
    setImmediate(() => {
      this.refillQueued = false;
      this.fill();
    });
  }
}
