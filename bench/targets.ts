// The targets WarpGrid is held to, each checked as a ratio against a figure measured in the
// same run.

import type { LoadResult } from './load.js';
import type { BenchRun, SystemRun, TargetCheck } from './results.js';
import type { SystemId } from './systems.js';

type Figures = Omit<BenchRun, 'targets' | 'finishedAt'>;

/** Highest req/s over the concurrencies, or null when the system did not run. */
export function peakRps(run: SystemRun | undefined): number | null {
  if (run === undefined || !run.available || run.loads.length === 0) return null;
  return Math.max(...run.loads.map((l: LoadResult) => l.rps));
}

type Goal = (ratio: number) => boolean;
const atLeast = (goal: number): Goal => (r) => r >= goal;
const above = (goal: number): Goal => (r) => r > goal;
const atMost = (goal: number): Goal => (r) => r <= goal;

function check(target: string, figure: string, ratio: number | null, goal: Goal,
  note?: string): TargetCheck {
  const met = ratio === null ? null : goal(ratio);
  return { target, figure, ratio, met, ...(note === undefined ? {} : { note }) };
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a === null || a === undefined || b === null || b === undefined || b === 0 ? null : a / b;
}

function rpsTargets(run: Figures): TargetCheck[] {
  const peak = (id: SystemId) => peakRps(run.systems.find((s) => s.id === id));
  const out: TargetCheck[] = [];
  for (const mode of ['reset', 'fresh'] as const) {
    const warp = peak(`warpgrid-${mode}`);
    const name = `WarpGrid hello (${mode}) peak req/s`;
    out.push(check('≥0.35× raw uWS', `${name} / raw uWS`, ratio(warp, peak('uws-raw')),
      atLeast(0.35)));
    out.push(check('≥3× node:http by hand', `${name} / node:http`,
      ratio(warp, peak('node-http')), atLeast(3)));
    out.push(check('ahead of workerd (>1×)', `${name} / workerd`,
      ratio(warp, peak('workerd')), above(1)));
  }
  out.push(check('≥20× jco serve', 'WarpGrid hello component peak req/s / jco serve',
    ratio(peak('warpgrid-component'), peak('jco-serve')), atLeast(20),
    'the same component on both'));
  out.push(check('≥20× jco serve', 'WarpGrid hello-js peak req/s / jco serve',
    ratio(peak('warpgrid-hello-js'), peak('jco-serve')), atLeast(20),
    'hello-js /health against jco serve on the hello component, which jco serve can run'));
  return out;
}

function templateTargets(run: Figures): TargetCheck[] {
  if (!('plainInstance' in run.template)) return [];
  const t = run.template;
  const out: TargetCheck[] = [];
  for (const [label, d] of [['instantiate (fresh)', t.warpInstantiate],
    ['restore (reset)', t.warpRestore]] as const) {
    if (!('p50Us' in d)) continue;
    out.push(check('p50 ≤30 µs', `instance from template, ${label}: ${d.p50Us.toFixed(1)} µs ` +
      '/ 30 µs', d.p50Us / 30, atMost(1),
      `${(d.p50Us / t.plainInstance.p50Us).toFixed(2)}× a bare new WebAssembly.Instance`));
  }
  return out;
}

function memoryTargets(run: Figures): TargetCheck[] {
  const out: TargetCheck[] = [];
  if ('perInstanceKb' in run.memory) {
    const kb = run.memory.perInstanceKb;
    out.push(check('≤256 KiB per idle instance (≥4,000/GiB)',
      `${kb.toFixed(0)} KiB per warm hello instance / 256 KiB`, kb / 256, atMost(1),
      `${Math.floor(1024 * 1024 / kb)} instances/GiB; ` +
      `${(kb / run.memory.bareV8PerInstanceKb).toFixed(2)}× a bare V8 instance`));
  }
  if ('perAddedAppKb' in run.manyApps) {
    const m = run.manyApps;
    out.push(check('≤200 KiB per added app', `${m.perAddedAppKb.toFixed(0)} KiB per app ` +
      `(${m.fewApps} → ${m.manyApps} apps) / 200 KiB`, m.perAddedAppKb / 200, atMost(1)));
    out.push(check('routing time flat (≤1.1×)', `p50 of /r/app-1/ at ${m.manyApps} apps / ` +
      `at ${m.fewApps} apps`, ratio(m.manyLoad.p50Us, m.fewLoad.p50Us), atMost(1.1),
      'one connection; the p50 includes the whole request, not only the route lookup'));
    out.push(check('routing time flat (≤1.1×)', `Router lookup of /r/app-1/ at ${m.manyApps} ` +
      `apps / at ${m.fewApps} apps (${m.routeNsMany.toFixed(0)} ns / ` +
      `${m.routeNsFew.toFixed(0)} ns)`, ratio(m.routeNsMany, m.routeNsFew), atMost(1.1),
      'in-process, the lookup alone'));
  }
  return out;
}

export function checkTargets(run: Figures): TargetCheck[] {
  return [...rpsTargets(run), ...templateTargets(run), ...memoryTargets(run)];
}
