// What the front counts about the requests it answers: per app, responses by status, a latency
// histogram, the last minute of latencies and errors by code; plus the recent errors and the
// optional access log. Counting is a few typed-array increments; nothing here allocates per
// request unless the access log is on.

import type { Logger } from 'pino';

import { ERROR_CODES, type WarpErrorCode } from '../errors.js';
import { BucketCounts, LATENCY_BOUNDS } from './bucket-counts.js';
import { ErrorRing } from './error-ring.js';
import { MinuteWindow } from './minute-window.js';

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as WarpErrorCode[];
const CODE_INDEX = new Map(ERROR_CODE_LIST.map((code, i) => [code, i]));
/** Statuses at or above this (a guest cannot send them; they get 502) count as 0. */
const STATUS_LIMIT = 600;

export class AppCounters {
  /** Responses by status code: index = status. */
  readonly statuses = new Float64Array(STATUS_LIMIT);
  readonly latency = new BucketCounts(LATENCY_BOUNDS);
  readonly window = new MinuteWindow();
  /** Error answers by code: index = position in ERROR_CODE_LIST. */
  readonly errors = new Float64Array(ERROR_CODE_LIST.length);

  constructor(readonly app: string) {}

  get requests(): number {
    let n = 0;
    for (const c of this.statuses) n += c;
    return n;
  }

  errorsOf(code: WarpErrorCode): number {
    return this.errors[CODE_INDEX.get(code) as number] as number;
  }
}

export class RequestStats {
  /** By app name, so counts carry over from one version of an app to the next. */
  readonly apps = new Map<string, AppCounters>();
  readonly recentErrors = new ErrorRing(50);
  /** Requests that matched no app. */
  unrouted = 0;

  /** `accessLog` is null unless --access-log is on; then every answer is logged at info. */
  constructor(readonly accessLog: Logger | null) {}

  forApp(app: string): AppCounters {
    let counters = this.apps.get(app);
    if (counters === undefined) {
      counters = new AppCounters(app);
      this.apps.set(app, counters);
    }
    return counters;
  }

  /** Counts one answer; `startedAt` is from performance.now(). Returns the latency in ms. */
  answered(counters: AppCounters, status: number, startedAt: number): number {
    const now = performance.now();
    const ms = now - startedAt;
    (counters.statuses[status < STATUS_LIMIT ? status : 0] as number)++;
    counters.latency.observe(ms / 1000);
    counters.window.record(ms / 1000, now);
    return ms;
  }

  /** Counts an error answer and keeps it for the status page. */
  failed(counters: AppCounters, code: WarpErrorCode, status: number, requestId: string,
    message: string): void {
    (counters.errors[CODE_INDEX.get(code) as number] as number)++;
    this.recentErrors.push(counters.app, code, status, requestId, message);
  }

  /** Only called when accessLog is set. */
  logAccess(app: string | null, method: string, path: string, status: number, ms: number,
    requestId: string): void {
    (this.accessLog as Logger).info({ app, method, path, status, ms: Math.round(ms * 100) / 100,
      requestId }, 'request');
  }
}
