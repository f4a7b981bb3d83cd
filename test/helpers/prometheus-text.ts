// Reads Prometheus text exposition into samples, so tests can compare what /_warp/metrics says
// with what they did and with what the status page shows.

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (m === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (m[2] ?? '').matchAll(LABEL)) {
      labels[key as string] = value as string;
    }
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return samples;
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}):
  number {
  let sum = 0;
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) sum += s.value;
  }
  return sum;
}

/** Per-bucket counts (not cumulative) and bounds of one histogram series. */
export function bucketsOf(samples: Sample[], name: string, labels: Record<string, string>):
  { bounds: number[]; counts: number[] } {
  const series = samples.filter((s) => s.name === `${name}_bucket` &&
    Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const bounds: number[] = [];
  const counts: number[] = [];
  let previous = 0;
  for (const s of series) {
    if (s.labels.le !== '+Inf') bounds.push(Number(s.labels.le));
    counts.push(s.value - previous);
    previous = s.value;
  }
  return { bounds, counts };
}
