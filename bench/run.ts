// `npm run bench [-- --quick]`: measures WarpGrid against its peers on this machine and writes
// bench/results/<date>.json, bench/results/latest.md and bench/results/latest.svg.

import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join } from 'node:path';

import { measureArtifacts } from './artifacts.js';
import { stopAllServers } from './child-server.js';
import { measureColdStart } from './cold-start.js';
import { LOAD_GENERATOR } from './load.js';
import { measureManyApps } from './many-apps.js';
import { measureMemory } from './memory.js';
import {
  HELLO_COMPONENT_BUILD, HELLO_JS_BUILD, NODE_MAIN, REPO_ROOT, RESULTS_DIR, WRK_BIN,
} from './paths.js';
import { DEFAULT_WORKERS, FULL, QUICK, type Profile } from './profile.js';
import { renderReport } from './report.js';
import type { BenchRun, SystemRun, Unavailable } from './results.js';
import { chartFor, notesFor } from './run-summary.js';
import { SYSTEMS, systemById } from './systems.js';
import { checkTargets } from './targets.js';
import { measureTemplateTiming } from './template-timing.js';
import { measureSystem, measureVariant } from './throughput.js';
import { Workspace } from './workspace.js';

const began = performance.now();
const say = (line: string) => process.stderr.write(
  `bench [${Math.round((performance.now() - began) / 1000)} s]: ${line}\n`);

async function attempt<T>(what: string, measure: () => Promise<T>): Promise<T | Unavailable> {
  say(what);
  try {
    return await measure();
  } catch (err) {
    say(`${what}: not available: ${(err as Error).message}`);
    return { available: false, reason: (err as Error).message };
  }
}

/** Runs a component build script; its problem, or null when the component is ready. */
function build(script: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script], { cwd: REPO_ROOT, timeout: 300_000 },
      (err, _stdout, stderr) => resolve(err === null ? null
        : `node ${script} failed: ${stderr.trim().split('\n').pop() ?? err.message}`));
  });
}

/**
 * The components are not committed (13 MB each). Their build scripts skip an up-to-date
 * component; a fresh clone builds both, side by side, in about a minute.
 */
async function buildComponents(): Promise<string[]> {
  const problems = await Promise.all([build(HELLO_JS_BUILD), build(HELLO_COMPONENT_BUILD)]);
  return problems.filter((p): p is string => p !== null);
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

function describeSystem(run: SystemRun): string {
  if (!run.available) return `${run.id}: not available: ${run.reason ?? ''}`;
  return `${run.id}: ` + run.loads.map((l) =>
    `c=${l.connections} ${Math.round(l.rps)} req/s p50 ${l.p50Us} µs`).join(', ');
}

async function measureServers(ws: Workspace, profile: Profile) {
  const flags = { workers: DEFAULT_WORKERS };
  const systems: SystemRun[] = [];
  for (const def of SYSTEMS) {
    const run = await measureSystem(def, ws, profile, flags);
    say(describeSystem(run));
    systems.push(run);
  }

  const reset = systemById('warpgrid-reset');
  const scaling = [];
  for (const workers of profile.workerCounts.filter((w) => w !== DEFAULT_WORKERS)) {
    say(`hello (reset) with --workers ${workers}`);
    scaling.push(await measureVariant(reset, ws, profile, { workers }, `workers=${workers}`,
      profile.concurrencies.filter((c) => c > 1)));
  }
  say('hello (reset) with --dispatch piscina');
  const dispatch = [await measureVariant(reset, ws, profile,
    { workers: DEFAULT_WORKERS, dispatch: 'piscina' }, 'dispatch=piscina', profile.concurrencies)];

  const coldStart = [];
  for (const def of SYSTEMS) {
    say(`cold start: ${def.id}`);
    const first = systems.find((s) => s.id === def.id)?.firstOkMs;
    coldStart.push(await measureColdStart(def, ws, profile, flags, first));
  }
  return { systems, scaling, dispatch, coldStart };
}

async function measureAll(ws: Workspace, profile: Profile, startedAt: Date,
  buildProblems: string[]): Promise<BenchRun> {
  const loadAvgStart = loadavg()[0] ?? 0;
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const dirtyFiles = git(['status', '--porcelain']).split('\n').filter((l) => l !== '').length;
  const template = await attempt('instance from template',
    () => measureTemplateTiming(profile.templateCalls));
  const servers = await measureServers(ws, profile);
  const memory = await attempt('memory per instance and per app',
    () => measureMemory(ws, profile, DEFAULT_WORKERS));
  const manyApps = await attempt(`${profile.manyApps} apps`,
    () => measureManyApps(ws, profile, DEFAULT_WORKERS));

  const figures = {
    startedAt: startedAt.toISOString(),
    profile: profile.name,
    commit,
    dirtyFiles,
    machine: {
      cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown',
      memGiB: Math.round(totalmem() / 1024 ** 3), node: process.version,
      os: `${type()} ${release()}`, loadAvgStart, loadAvgEnd: loadavg()[0] ?? 0,
    },
    loadGenerator: LOAD_GENERATOR,
    defaultWorkers: DEFAULT_WORKERS,
    ...servers, template, memory, manyApps,
    artifacts: await measureArtifacts(ws),
    buildProblems,
    notes: [] as string[],
  };
  figures.notes = notesFor(figures, buildProblems);
  return { ...figures, targets: checkTargets(figures), finishedAt: new Date().toISOString() };
}

function writeReport(run: BenchRun): void {
  writeFileSync(join(RESULTS_DIR, 'latest.md'), renderReport(run));
  writeFileSync(join(RESULTS_DIR, 'latest.svg'), chartFor(run));
}

function writeResults(run: BenchRun): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = run.startedAt.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  writeFileSync(join(RESULTS_DIR, `${stamp}.json`), `${JSON.stringify(run, null, 2)}\n`);
  writeReport(run);
  say(`wrote bench/results/${stamp}.json, latest.md and latest.svg`);
}

/** `--render <run.json>`: writes latest.md and latest.svg again from a stored run. */
function renderStored(path: string): void {
  const run = JSON.parse(readFileSync(path, 'utf8')) as BenchRun;
  // Notes are derived from the figures, so a stored run gets them as this code words them.
  run.notes = notesFor(run, run.buildProblems ?? []);
  writeReport(run);
  say(`wrote latest.md and latest.svg from ${path}`);
}

function preflight(): void {
  const missing = [[NODE_MAIN, 'run `npx tsc -p .` first'], [WRK_BIN, 'apt-get install wrk']]
    .filter(([path]) => !existsSync(path as string));
  for (const [path, fix] of missing) say(`${path} is missing: ${fix}`);
  if (missing.length > 0) process.exit(2);
}

async function main(): Promise<void> {
  const stored = process.argv.indexOf('--render');
  if (stored !== -1) return renderStored(process.argv[stored + 1] ?? '');
  preflight();
  const profile = process.argv.includes('--quick') ? QUICK : FULL;
  const startedAt = new Date();
  say(`profile ${profile.name}; load generator: ${LOAD_GENERATOR}`);
  say('building the components when they are missing or stale');
  const buildProblems = await buildComponents();
  for (const problem of buildProblems) say(problem);

  const ws = new Workspace();
  const interrupted = () => {
    void stopAllServers().finally(() => {
      ws.remove();
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    writeResults(await measureAll(ws, profile, startedAt, buildProblems));
  } finally {
    await stopAllServers();
    ws.remove();
  }
  say(`done in ${Math.round((Date.now() - startedAt.getTime()) / 1000)} s`);
}

await main();
