// One instance of a WASI-HTTP component and how it serves a request: the guest's
// wasi:http/incoming-handler.handle runs synchronously on this thread, with the request and the
// response as WarpGrid's own host objects, so a request never leaves the worker.

import { WarpError } from '../../src/errors.js';
import type { AppLimits, GuestRequest, GuestResponse } from '../guest-types.js';
import type { CoreState, InstanceSnapshot } from './core-state.js';
import type { HostImports } from './host-imports.js';
import { Exchange, IncomingRequest, ResponseOutparam, running } from './http-host.js';
import { clock } from './io-host.js';
import { responseOf } from './response.js';

export interface ComponentInstance {
  /** Runs one request; throws a WarpError when the guest traps, throws or answers badly. */
  handle(req: GuestRequest, limits: AppLimits): Promise<GuestResponse>;
  /** Whether this instance may serve another request as it is (manifest `reuse`). */
  readonly reusable: boolean;
}

export type IncomingHandler = {
  handle(request: IncomingRequest, out: ResponseOutparam): void;
};

/** The instantiated guest behind a ComponentInstance; a recycled one outlives its wrapper. */
export interface Machine {
  handler: IncomingHandler;
  state: CoreState;
  /** Null when this machine cannot be recycled. */
  snapshot: InstanceSnapshot | null;
  served: number;
}

/** What an instance needs from its template. */
export interface InstanceHost {
  readonly reuse: boolean;
  /** The template's imports: stdio logs, and the per-request state of the grants. */
  readonly host: HostImports;
  /** Takes back a machine whose guest returned normally, to restore it for a later request. */
  reclaim(machine: Machine): void;
}

function guestFailure(err: unknown): WarpError {
  if (err instanceof WarpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const failure = new WarpError('WARP_E_GUEST_TRAP', `the guest trapped: ${message}`);
  failure.cause = err;
  return failure;
}

function tooLarge(limits: AppLimits): WarpError {
  return new WarpError('WARP_E_RESPONSE_TOO_LARGE',
    `the guest wrote a response body over limits.response (${limits.response} bytes)`);
}

/** A served instance that answers nothing has usually been asked to serve twice. */
function noResponseHint(machine: Machine, err: unknown): unknown {
  if (machine.served < 2 || (err as WarpError).code !== 'WARP_E_BAD_RESPONSE') return err;
  return new WarpError('WARP_E_BAD_RESPONSE', `${(err as WarpError).message}, on its request ` +
    `number ${machine.served}; componentize-js guests answer one request per instance, so ` +
    'leave scale.reuse off for them');
}

export class Instance implements ComponentInstance {
  private spent = false;

  constructor(private readonly template: InstanceHost, private readonly machine: Machine) {}

  get reusable(): boolean {
    return this.template.reuse && !this.spent;
  }

  handle(req: GuestRequest, limits: AppLimits): Promise<GuestResponse> {
    try {
      return Promise.resolve(this.serve(req, limits));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private serve(req: GuestRequest, limits: AppLimits): GuestResponse {
    if (this.spent) throw new Error('a spent component instance was asked to serve');
    this.machine.served++;
    const exchange = this.call(req, limits);

    if (!this.template.reuse) {
      this.spent = true;
      this.template.reclaim(this.machine);
    }
    if (exchange.tooLarge) {
      this.spent = true;
      throw tooLarge(limits);
    }
    try {
      return responseOf(exchange);
    } catch (err) {
      this.spent = true;
      throw noResponseHint(this.machine, err);
    }
  }

  /** Runs the guest. A guest that throws out of handle is never used again. */
  private call(req: GuestRequest, limits: AppLimits): Exchange {
    const { host } = this.template;
    const exchange = new Exchange(limits.response);
    running.exchange = exchange;
    clock.deadlineMs = performance.now() + limits.timeout;
    host.begin(limits, clock.deadlineMs);
    try {
      this.machine.handler.handle(new IncomingRequest(req), new ResponseOutparam(exchange));
    } catch (err) {
      this.spent = true;
      throw exchange.tooLarge ? tooLarge(limits) : guestFailure(err);
    } finally {
      running.exchange = null;
      clock.deadlineMs = Infinity;
      host.end();
      host.stdout.flush();
      host.stderr.flush();
    }
    return exchange;
  }
}
