// One request between the front and a worker, as the dispatcher sees it.

import type { WarpErrorCode } from '../errors.js';
import type { AppRoute } from './app-route.js';
import type { WorkerLink } from './worker-link.js';

export interface Exchange {
  route: AppRoute;
  readonly requestId: string;
  /** The request frame; transferred to the worker, so unusable after dispatch. */
  frame: Uint8Array;
  /** performance.now() after which the request gets 504. */
  deadline: number;
  link: WorkerLink | null;
  /** Pairs the response with the request on its worker, and names it to the interrupter. */
  seq: number;
  /** performance.now() when the request was sent to its worker. */
  dispatchedAt: number;
  /** performance.now() when the watchdog asked the guest to stop, or 0. */
  stopAskedAt: number;
  /** Set once a response or an error has been written. */
  finished: boolean;
  respond(frame: Uint8Array): void;
  fail(code: WarpErrorCode, message: string): void;
}
