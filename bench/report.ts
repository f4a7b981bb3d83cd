// The Markdown report of one run: targets first, then every figure with its ratio against the
// peer measured in the same run.

import type { LoadResult } from './load.js';
import type {
  BenchRun, ColdStart, Distribution, ManyApps, MemoryFigures, SystemRun, TemplateTiming,
  Unavailable, VariantRun,
} from './results.js';
import type { SystemId } from './systems.js';
import { peakRps } from './targets.js';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (r: number | null) => (r === null || !Number.isFinite(r) ? '–' : `${r.toFixed(2)}×`);
const kib = (n: number) => `${int(n)} KiB`;

/** A table cell: one line, no column breaks, and long reasons cut short (the JSON has all). */
function cell(text: string): string {
  const one = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|');
  return one.length > 240 ? `${one.slice(0, 237)}...` : one;
}

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** p50 and p99, or why there are none. */
function latency(l: LoadResult): [string, string] {
  if (l.requests === 0) return [`none answered in ${l.durationS} s`, '–'];
  return [int(l.p50Us), int(l.p99Us)];
}

function errorsOf(l: LoadResult): string {
  const parts = [];
  if (l.errors > 0) parts.push(`${int(l.errors)} socket/timeout`);
  if (l.non2xx > 0) parts.push(`${int(l.non2xx)} of ${int(l.requests)} non-2xx`);
  return parts.length === 0 ? '0' : parts.join(', ');
}

function loadAt(run: SystemRun | VariantRun | undefined, c: number): LoadResult | undefined {
  return run?.loads.find((l) => l.connections === c);
}

/** The peers a system's req/s is compared with, by the kind of guest it serves. */
function peersOf(id: SystemId): SystemId[] {
  if (id === 'warpgrid-hello-js') return ['jco-serve', 'warpgrid-component'];
  if (id === 'warpgrid-component' || id === 'jco-serve') return ['jco-serve'];
  return ['uws-raw', 'node-http', 'workerd'];
}

function throughputSection(run: BenchRun): string[] {
  const byId = (id: SystemId) => run.systems.find((s) => s.id === id);
  const rows: string[][] = [];
  for (const s of run.systems) {
    if (!s.available) {
      rows.push([s.label, '–', `not available: ${s.reason ?? ''}`, '', '', '', '', '']);
      continue;
    }
    for (const l of s.loads) {
      const vs = peersOf(s.id).map((p) => {
        const peer = loadAt(byId(p), l.connections);
        return `${x(peer === undefined ? null : l.rps / peer.rps)} ${p}`;
      });
      rows.push([s.label, String(l.connections), int(l.rps), ...latency(l),
        errorsOf(l), vs.join(', '), s.loadAvg1m.toFixed(1)]);
    }
  }
  return ['## Throughput and latency', '',
    'Path under load: `/` on the peers, the app\'s `/` on WarpGrid; hello-js is loaded on ' +
    '`/health`, because it answers `/` with an echo of the request, not with hello. ' +
    'req/s counts only 2xx/3xx answers; the latency percentiles include failed answers, which ' +
    'wrk does not separate.', '',
    ...table(['system', 'conns', 'req/s (2xx)', 'p50 µs', 'p99 µs', 'errors', 'req/s vs peer',
      'load avg at start'], rows),
    ''];
}

function variantSection(title: string, base: SystemRun | undefined, baseName: string,
  variants: VariantRun[]): string[] {
  const rows: string[][] = [];
  const all: VariantRun[] = base === undefined ? variants
    : [{ variant: baseName, loadAvg1m: base.loadAvg1m, available: base.available,
      loads: base.loads }, ...variants];
  for (const v of all) {
    if (!v.available) {
      rows.push([v.variant, '–', `not available: ${v.reason ?? ''}`, '', '', '', '']);
      continue;
    }
    for (const l of v.loads) {
      const ref = loadAt(base, l.connections);
      rows.push([v.variant, String(l.connections), int(l.rps), ...latency(l),
        x(ref === undefined ? null : l.rps / ref.rps), v.loadAvg1m.toFixed(1)]);
    }
  }
  return [title, '', ...table(['variant', 'conns', 'req/s', 'p50 µs', 'p99 µs',
    `req/s vs ${baseName}`, 'load avg at start'], rows), ''];
}

function timingRow(label: string, d: Distribution | Unavailable, bare: Distribution): string[] {
  if (!('p50Us' in d)) return [label, `not available: ${d.reason}`, '', '', '', ''];
  return [label, d.p50Us.toFixed(1), d.p99Us.toFixed(1), d.meanUs.toFixed(1),
    x(d.p50Us / bare.p50Us), x(d.meanUs / bare.meanUs)];
}

function templateSection(t: TemplateTiming | Unavailable): string[] {
  const title = '## Instance from template (in-process)';
  if (!('plainInstance' in t)) return [title, '', `not available: ${t.reason}`, ''];
  const bare = t.plainInstance;
  const rows = [
    timingRow('bare `new WebAssembly.Instance` of hello.wasm (what the peers pay)', bare, bare),
    timingRow('WagiTemplate.instantiate, module as deployed (fresh)', t.warpInstantiate, bare),
    timingRow('InstanceState.restore after a served request (reset)', t.warpRestore, bare),
  ];
  return [title, '', `${int(bare.calls)} calls each, after 200 unrecorded.`, '',
    ...table(['path', 'p50 µs', 'p99 µs', 'mean µs', 'p50 vs bare', 'mean vs bare'], rows), '',
    'The mean includes the garbage collections the calls cause; for a new instance per ' +
    'request it, not the p50, is what bounds throughput.', ''];
}

function coldStartSection(starts: ColdStart[]): string[] {
  const warp = starts.find((c) => c.id === 'warpgrid-reset')?.p50Ms ?? null;
  const rows = starts.map((c) => c.available
    ? [c.label, int(c.p50Ms ?? 0), c.runsMs.map(int).join(', '),
      x(warp === null ? null : warp / (c.p50Ms ?? 0))]
    : [c.label, '–', `not available: ${c.reason ?? ''}`, '']);
  return ['## Cold start: process start to first 200', '',
    'WarpGrid: node start plus deploy of its manifest dir (fresh data dir each time), timed to ' +
    "the app's first 200. Peers: process start to first 200.", '',
    ...table(['system', 'p50 ms', 'runs ms', 'WarpGrid hello / this'], rows), ''];
}

function memorySection(m: MemoryFigures | Unavailable, systems: SystemRun[]): string[] {
  const title = '## Memory';
  if (!('perInstanceKb' in m)) return [title, '', `not available: ${m.reason}`, ''];
  const perGiB = (kb: number) => int((1024 * 1024) / kb);
  const rows = [
    ['node, hello at scale.min=1', kib(m.oneWarmKb), ''],
    [`the same node, its manifest changed to scale.min=${m.warmInstances}`, kib(m.manyWarmKb),
      ''],
    ['per idle warm hello instance', kib(m.perInstanceKb), `${perGiB(m.perInstanceKb)}/GiB; ` +
      `${x(m.perInstanceKb / m.bareV8PerInstanceKb)} a bare V8 instance ` +
      `(${m.bareV8PerInstanceKb.toFixed(0)} KiB)`],
    ['node idle, 0 apps', kib(m.idleNoAppsKb), idlePeers(m.idleNoAppsKb, systems)],
    [`node idle, ${int(m.idleApps)} apps (scale.min=1 each; one node, grown from 1 app)`,
      kib(m.idleAppsKb), ''],
    [`per app (1 → ${int(m.idleApps)} apps, incl. its warm instance)`, kib(m.perAppKb),
      `${perGiB(m.perAppKb)} apps/GiB`],
  ];
  return [title, '', `RSS of the whole process (all threads), --workers ${m.workers}, ` +
    'median of 5 samples after 1.5 s idle.', '', ...table(['what', 'RSS', 'compared'], rows), ''];
}

/** Node idle RSS against each peer's RSS after its first 200, before load. */
function idlePeers(kb: number, systems: SystemRun[]): string {
  return systems.filter((s) => s.idleRssKb !== undefined && !s.id.startsWith('warpgrid'))
    .map((s) => `${x(kb / (s.idleRssKb as number))} ${s.id} (${kib(s.idleRssKb as number)})`)
    .join('; ');
}

function manyAppsSection(m: ManyApps | Unavailable): string[] {
  const title = '## Many apps';
  if (!('perAddedAppKb' in m)) return [title, '', `not available: ${m.reason}`, ''];
  const rows = [
    [`${int(m.fewApps)} apps`, kib(m.fewRssKb), int(m.fewLoad.p50Us), int(m.fewLoad.p99Us),
      int(m.fewLoad.rps)],
    [`${int(m.manyApps)} apps`, kib(m.manyRssKb), int(m.manyLoad.p50Us),
      int(m.manyLoad.p99Us), int(m.manyLoad.rps)],
  ];
  return [title, '', `--workers ${m.workers}, every app hello.wasm at scale.min=1. ` +
    `Deploying ${int(m.manyApps)} apps took ${int(m.deployManyMs)} ms to the first 200. ` +
    `RSS per added app: ${kib(m.perAddedAppKb)}. Latency of \`/r/app-1/\` at one connection. ` +
    `The Router alone takes ${m.routeNsFew.toFixed(0)} ns per lookup with ${int(m.fewApps)} ` +
    `apps and ${m.routeNsMany.toFixed(0)} ns with ${int(m.manyApps)}.`,
  '', ...table(['apps', 'RSS', 'p50 µs', 'p99 µs', 'req/s'], rows), ''];
}

function targetsSection(run: BenchRun): string[] {
  const rows = run.targets.map((t) => [t.target, t.figure, x(t.ratio),
    t.met === null ? 'not measured' : t.met ? 'met' : '**missed**', t.note ?? '']);
  return ['## Targets', '', ...table(['target', 'figure', 'ratio', 'result', 'note'], rows), ''];
}

function artifactSection(run: BenchRun): string[] {
  const hello = run.artifacts[0]?.bytes ?? 0;
  const rows = run.artifacts.map((a) =>
    [a.what, int(a.bytes), x(hello === 0 ? null : a.bytes / hello)]);
  return ['## Artifact sizes', '', ...table(['artifact', 'bytes', 'vs hello.wasm'], rows), ''];
}

export function renderReport(run: BenchRun): string {
  const m = run.machine;
  const byId = (id: SystemId) => run.systems.find((s) => s.id === id);
  const reset = byId('warpgrid-reset');
  const peak = peakRps(reset);
  return [
    `# WarpGrid bench, ${run.startedAt}`, '',
    `- profile: ${run.profile}; commit ${run.commit}` +
      (run.dirtyFiles > 0 ? ` plus ${run.dirtyFiles} uncommitted files in the work tree` : ''),
    `- machine: ${m.cpus} × ${m.cpuModel}, ${m.memGiB} GiB, ${m.os}, Node ${m.node}; ` +
      `1-min load average ${m.loadAvgStart.toFixed(2)} at start, ${m.loadAvgEnd.toFixed(2)} at end`,
    `- load generator: ${run.loadGenerator}; it runs on the same ${m.cpus} cores as the server`,
    `- WarpGrid nodes: --workers ${run.defaultWorkers} unless stated; all servers on 127.0.0.1`,
    `- WarpGrid hello (reset) peak: ${peak === null ? '–' : `${int(peak)} req/s`}`, '',
    ...targetsSection(run),
    ...throughputSection(run),
    ...variantSection('## WarpGrid hello (reset) by worker count', reset,
      `workers=${run.defaultWorkers}`, run.scaling),
    ...variantSection('## WarpGrid hello (reset) by dispatch lane', reset, 'dispatch=port',
      run.dispatch),
    ...templateSection(run.template),
    ...coldStartSection(run.coldStart),
    ...memorySection(run.memory, run.systems),
    ...manyAppsSection(run.manyApps),
    ...artifactSection(run),
    ...(run.notes.length > 0 ? ['## Notes', '', ...run.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}
