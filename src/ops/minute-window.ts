// The last minute of one app's latencies, one slot per second, so the status page can show
// requests per second and p99 over a sliding minute. A slot is cleared when its second comes
// round again; recording costs one bucket search and two increments.

import { bucketOf, LATENCY_BOUNDS } from './bucket-counts.js';

const SLOTS = 60;
const WIDTH = LATENCY_BOUNDS.length + 1;

export class MinuteWindow {
  /** SLOTS rows of WIDTH bucket counts; row = second % SLOTS. */
  private readonly rows = new Float64Array(SLOTS * WIDTH);
  /** The second (of performance.now()) that was last written, or -1. */
  private second = -1;

  /** Records one latency, in seconds, at a time from performance.now() in ms. */
  record(seconds: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) this.advance(second);
    (this.rows[(second % SLOTS) * WIDTH + bucketOf(LATENCY_BOUNDS, seconds)] as number)++;
  }

  /** Bucket counts summed over the minute up to `nowMs`. */
  lastMinute(nowMs: number): Float64Array {
    this.advance(Math.floor(nowMs / 1000));
    const sums = new Float64Array(WIDTH);
    for (let at = 0; at < this.rows.length; at++) {
      const b = at % WIDTH;
      sums[b] = (sums[b] as number) + (this.rows[at] as number);
    }
    return sums;
  }

  /** Clears the rows of the seconds skipped since the last write, then moves to `second`. */
  private advance(second: number): void {
    if (second <= this.second) return;
    const from = this.second < 0 ? second - SLOTS + 1 : this.second + 1;
    const skipped = Math.min(second - from + 1, SLOTS);
    for (let s = second - skipped + 1; s <= second; s++) {
      this.rows.fill(0, (s % SLOTS) * WIDTH, (s % SLOTS + 1) * WIDTH);
    }
    this.second = second;
  }
}
