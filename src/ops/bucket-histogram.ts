// A prom-client histogram whose buckets are read from counts kept elsewhere (typed arrays on
// the front, or numbers sent by the workers) when Prometheus scrapes. prom-client can only add
// one observation at a time, with a label lookup each; doing that per request would put its
// cost on the hot path, so this class fills the exposition from the counts instead.

import { Histogram } from 'prom-client';

export interface LabelledCounts {
  labels: Record<string, string>;
  /** Per bucket, not cumulative; one more than the bounds, the last being +Inf. */
  counts: ArrayLike<number>;
  sum: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
}

export interface BucketHistogramConfig {
  name: string;
  help: string;
  labelNames: string[];
  buckets: readonly number[];
  read: () => Iterable<LabelledCounts> | Promise<Iterable<LabelledCounts>>;
}

export class BucketHistogram extends Histogram<string> {
  constructor(private readonly config: BucketHistogramConfig) {
    super({ name: config.name, help: config.help, labelNames: config.labelNames,
      buckets: [...config.buckets], registers: [] });
  }

  /** prom-client's registry calls this to render the metric; its get() builds on it too. */
  async getForPromString(): Promise<{ name: string; help: string; type: string;
    values: ExportedValue[]; aggregator: string }> {
    const values: ExportedValue[] = [];
    for (const series of await this.config.read()) this.export(series, values);
    const { name, help } = this.config;
    return { name, help, type: 'histogram', values, aggregator: 'sum' };
  }

  private export(series: LabelledCounts, values: ExportedValue[]): void {
    const { name, buckets } = this.config;
    let cumulative = 0;
    for (let i = 0; i <= buckets.length; i++) {
      cumulative += series.counts[i] as number;
      const le = i < buckets.length ? (buckets[i] as number) : '+Inf';
      values.push({ labels: { ...series.labels, le }, sharedLabels: {}, value: cumulative,
        metricName: `${name}_bucket` });
    }
    values.push({ labels: series.labels, sharedLabels: {}, value: series.sum,
      metricName: `${name}_sum` });
    values.push({ labels: series.labels, sharedLabels: {}, value: cumulative,
      metricName: `${name}_count` });
  }
}
