// Histogram counts kept as a plain typed array, so recording a value on the hot path costs a few
// comparisons and one increment. Prometheus and the status page read them at scrape time.

/** Request latency bounds in seconds, 0.1 ms to 60 s in 1-2.5-5 steps. */
export const LATENCY_BOUNDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
  10, 30, 60,
];

/** Instance creation bounds in seconds: a core module takes tens of µs, a component far more. */
export const INSTANCE_BOUNDS: readonly number[] = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
  0.1, 0.25, 0.5, 1, 2.5, 5,
];

/** Which bucket a value falls in; bounds.length is the +Inf bucket. */
export function bucketOf(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > (bounds[i] as number)) i++;
  return i;
}

/** Counts per bucket (not cumulative) plus the sum of every value, as Prometheus wants. */
export class BucketCounts {
  readonly counts: Float64Array;
  sum = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    (this.counts[bucketOf(this.bounds, value)] as number)++;
    this.sum += value;
  }

  get count(): number {
    let n = 0;
    for (const c of this.counts) n += c;
    return n;
  }

  /** A copy that can cross a thread boundary by structured clone. */
  snapshot(): BucketSnapshot {
    return { counts: Array.from(this.counts), sum: this.sum };
  }
}

export interface BucketSnapshot {
  /** Per bucket, not cumulative; the last one is +Inf. */
  counts: number[];
  sum: number;
}

/**
 * Estimates a quantile from per-bucket counts the way Prometheus's histogram_quantile does:
 * find the bucket that holds the rank, then interpolate linearly inside it. Returns null when
 * there are no observations, and the highest finite bound when the rank is in +Inf.
 */
export function quantileOf(
  bounds: readonly number[], counts: ArrayLike<number>, q: number,
): number | null {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i] as number;
  if (total === 0) return null;

  const rank = q * total;
  let below = 0;
  for (let i = 0; i < bounds.length; i++) {
    const inBucket = counts[i] as number;
    if (below + inBucket >= rank && inBucket > 0) {
      const lower = i === 0 ? 0 : (bounds[i - 1] as number);
      const upper = bounds[i] as number;
      return lower + (upper - lower) * ((rank - below) / inBucket);
    }
    below += inBucket;
  }
  return bounds[bounds.length - 1] as number;
}
