// The shape of one bench run, as written to bench/results/<date>.json and read by the report.

import type { LoadResult } from './load.js';
import type { SystemId } from './systems.js';

/** A figure that could not be measured says why instead of holding a number. */
export type Unavailable = { available: false; reason: string };

export interface SystemRun {
  id: SystemId;
  label: string;
  path: string;
  /** 1-minute load average of the machine when the system started. */
  loadAvg1m: number;
  /** False when no point was measured; `reason` also tells why points stopped short. */
  available: boolean;
  reason?: string;
  /** RSS of the server's process tree after its first 200, before any load, in KiB. */
  idleRssKb?: number;
  /** Process start to first 200 when it was started for its load points: a cold start. */
  firstOkMs?: number;
  loads: LoadResult[];
}

export interface VariantRun {
  /** e.g. `workers=1` or `dispatch=piscina`. */
  variant: string;
  loadAvg1m: number;
  available: boolean;
  reason?: string;
  loads: LoadResult[];
}

export interface Distribution {
  calls: number;
  p50Us: number;
  p99Us: number;
  /** Includes the garbage collections that the calls cause: the sustained cost. */
  meanUs: number;
}

export interface TemplateTiming {
  /** `new WebAssembly.Instance` on raw hello.wasm with a hand-written shim: what peers pay. */
  plainInstance: Distribution;
  /** WagiTemplate.instantiate on the deployed (instrumented, rewritten) module: 'fresh'. */
  warpInstantiate: Distribution | Unavailable;
  /** InstanceState.restore after a served request: 'reset'. */
  warpRestore: Distribution | Unavailable;
}

export interface ColdStart {
  id: SystemId;
  label: string;
  available: boolean;
  reason?: string;
  /** Process start to first 200, each repetition, in ms. */
  runsMs: number[];
  p50Ms?: number;
}

export interface MemoryFigures {
  workers: number;
  /** Node RSS with one hello app at scale.min=1 and at scale.min=warmInstances, KiB. */
  oneWarmKb: number;
  manyWarmKb: number;
  warmInstances: number;
  perInstanceKb: number;
  /** The same delta for bare V8 instances of hello.wasm in a plain node process. */
  bareV8PerInstanceKb: number;
  idleNoAppsKb: number;
  idleAppsKb: number;
  idleApps: number;
  perAppKb: number;
}

export interface ManyApps {
  workers: number;
  fewApps: number;
  manyApps: number;
  fewRssKb: number;
  manyRssKb: number;
  perAddedAppKb: number;
  deployManyMs: number;
  /** Latency of /r/app-1/ at one connection, with few and with many apps deployed. */
  fewLoad: LoadResult;
  manyLoad: LoadResult;
  /** The node's Router alone, in-process: mean ns per lookup of /r/app-1/. */
  routeNsFew: number;
  routeNsMany: number;
}

export interface ArtifactSize {
  what: string;
  bytes: number;
}

export interface TargetCheck {
  target: string;
  figure: string;
  ratio: number | null;
  met: boolean | null;
  note?: string;
}

export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  profile: string;
  commit: string;
  dirtyFiles: number;
  machine: {
    cpus: number; cpuModel: string; memGiB: number; node: string; os: string;
    /** 1-minute load average when the run started and when it ended: other work on the box. */
    loadAvgStart: number; loadAvgEnd: number;
  };
  loadGenerator: string;
  defaultWorkers: number;
  systems: SystemRun[];
  scaling: VariantRun[];
  dispatch: VariantRun[];
  template: TemplateTiming | Unavailable;
  coldStart: ColdStart[];
  memory: MemoryFigures | Unavailable;
  manyApps: ManyApps | Unavailable;
  artifacts: ArtifactSize[];
  targets: TargetCheck[];
  /** Components that could not be built; absent in runs stored before it was recorded. */
  buildProblems?: string[];
  notes: string[];
}
