// Warm instances of one app on one worker. A request takes a ready instance; replacements are
// made after the response has gone out, so instantiation stays off the hot path.

import { BucketCounts, INSTANCE_BOUNDS } from '../src/ops/bucket-counts.js';

export class InstancePool<I> {
  private readonly ready: I[] = [];
  private refillQueued = false;
  busy = 0;
  closed = false;
  /** How long each instance took to make, for the metrics. */
  readonly made = new BucketCounts(INSTANCE_BOUNDS);

  constructor(
    private readonly make: () => I,
    private readonly min: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  get warm(): number {
    return this.ready.length;
  }

  /** A ready instance, or a new one when none is ready. */
  take(): I {
    this.busy++;
    return this.ready.pop() ?? this.timedMake();
  }

  /** Hands back an instance that may serve again (reuse mode). */
  give(instance: I): void {
    this.busy--;
    if (!this.closed) this.ready.push(instance);
  }

  /** Marks an instance as spent and tops the pool up once the current turn is over. */
  spend(): void {
    this.busy--;
    this.scheduleRefill();
  }

  fill(): void {
    try {
      while (!this.closed && this.ready.length < this.min) this.ready.push(this.timedMake());
    } catch (err) {
      this.onError(err);
    }
  }

  close(): void {
    this.closed = true;
    this.ready.length = 0;
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
