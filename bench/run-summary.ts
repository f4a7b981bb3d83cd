// What a run adds around its figures: notes on what went wrong or needs reading with care, and
// the latency chart.

import type { BenchRun } from './results.js';
import { latencyChart } from './svg-chart.js';

type Figures = Omit<BenchRun, 'targets' | 'finishedAt'>;

const METHOD_NOTES = [
  'wrk and the server under test share the same cores, so every req/s here is bounded by the ' +
    'client as well; the ratios between systems are the figures to read.',
  'workerd serves from one thread per process as configured here; a WarpGrid node uses its ' +
    'main thread (uWS front) plus --workers threads; node:http and raw uWS use one thread.',
  'jco serve starts its server as a child process; its RSS is summed over the process tree.',
  'jco serve runs the bench\'s hello component (bench/peers/hello-component), which imports ' +
    'only wasi:http/proxy: examples/hello-js also imports wasi:keyvalue, which jco serve\'s ' +
    'preview2-shim does not provide, so jco serve fails on its first request to it.',
];

export function notesFor(run: Figures, buildProblems: string[]): string[] {
  const notes = [...buildProblems];
  // Only the start tells of other work: once running, the bench's own wrk and servers count.
  if (run.machine.loadAvgStart > run.machine.cpus / 2) {
    notes.push(`Other work was running on this machine (1-min load average ` +
      `${run.machine.loadAvgStart.toFixed(2)} on ${run.machine.cpus} cores when the run began): ` +
      'the figures are disturbed by it.');
  }
  for (const s of [...run.systems, ...run.scaling, ...run.dispatch]) {
    const name = 'id' in s ? s.id : `warpgrid-reset ${s.variant}`;
    if (s.available && s.reason !== undefined) {
      notes.push(`${name}: the points stopped short: ${s.reason}`);
    }
    for (const l of s.loads) {
      if (l.errors + l.non2xx === 0) continue;
      notes.push(`${name} at ${l.connections} connections: ${l.errors} socket errors or ` +
        `timeouts and ${l.non2xx} answers outside 2xx/3xx out of ${l.requests} requests.`);
    }
  }
  return [...notes, ...METHOD_NOTES];
}

export function chartFor(run: BenchRun): string {
  const series = run.systems.filter((s) => s.available && s.loads.length > 0).map((s) => ({
    label: s.label,
    // A point where no request finished in time has no latency to draw.
    points: s.loads.filter((l) => l.requests > 0)
      .map((l) => [l.connections, l.p50Us, l.p99Us] as const),
  }));
  return latencyChart('Latency against concurrency, per system',
    `${run.startedAt} · ${run.profile} profile · ${run.loadGenerator} · ` +
    `${run.machine.cpus} cores shared by client and server`, series);
}
