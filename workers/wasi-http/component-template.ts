// A WASI-HTTP component on a worker: the glue is loaded once per template, and each instance is
// the glue's instantiate() over the shared compiled core modules and WarpGrid's host objects.
// A request runs the guest's wasi:http/incoming-handler.handle synchronously on this thread.

import { WarpError } from '../../src/errors.js';
import type { ComponentArtifact } from '../../src/control/component/prepare-component.js';
import type { AppGrants, AppLimits, GuestRequest, GuestResponse } from '../guest-types.js';
import type { LogFn } from './cli-host.js';
import { hostImports, type HostImports } from './host-imports.js';
import { Exchange, IncomingRequest, ResponseOutparam, running } from './http-host.js';
import { INCOMING_HANDLER } from './interfaces.js';
import { clock } from './io-host.js';
import { responseOf } from './response.js';

export interface ComponentTemplate {
  instantiate(): ComponentInstance;
}

export interface ComponentInstance {
  /** Runs one request; throws a WarpError when the guest traps, throws or answers badly. */
  handle(req: GuestRequest, limits: AppLimits): Promise<GuestResponse>;
  /** Whether this instance may serve another request. */
  readonly reusable: boolean;
}

type IncomingHandler = { handle(request: IncomingRequest, out: ResponseOutparam): void };

type Glue = {
  instantiate(getCoreModule: (name: string) => WebAssembly.Module,
    imports: Record<string, object>): Record<string, unknown>;
};

function handlerOf(exports: Record<string, unknown>): IncomingHandler {
  for (const [name, value] of Object.entries(exports)) {
    if (name.startsWith(`${INCOMING_HANDLER}@0.2.`)) return value as IncomingHandler;
  }
  throw new WarpError('WARP_E_BAD_ARTIFACT', `the component does not export ${INCOMING_HANDLER}`);
}

function guestFailure(err: unknown): WarpError {
  if (err instanceof WarpError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const failure = new WarpError('WARP_E_GUEST_TRAP', `the guest trapped: ${message}`);
  failure.cause = err;
  return failure;
}

class Instance implements ComponentInstance {
  private served = false;
  private broken = false;

  constructor(private readonly template: Template, private readonly handler: IncomingHandler) {}

  get reusable(): boolean {
    return this.template.reuse && !this.broken;
  }

  handle(req: GuestRequest, limits: AppLimits): Promise<GuestResponse> {
    try {
      return Promise.resolve(this.run(req, limits));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private run(req: GuestRequest, limits: AppLimits): GuestResponse {
    if (this.broken || (this.served && !this.template.reuse)) {
      throw new Error('a component instance that cannot serve again was asked to serve');
    }
    this.served = true;

    const exchange = new Exchange(limits.response);
    running.exchange = exchange;
    clock.deadlineMs = performance.now() + limits.timeout;
    try {
      this.handler.handle(new IncomingRequest(req), new ResponseOutparam(exchange));
    } catch (err) {
      this.broken = true;
      throw exchange.tooLarge ? tooLarge(limits) : guestFailure(err);
    } finally {
      running.exchange = null;
      clock.deadlineMs = Infinity;
      this.template.host.stdout.flush();
      this.template.host.stderr.flush();
    }
    if (exchange.tooLarge) {
      this.broken = true;
      throw tooLarge(limits);
    }
    try {
      return responseOf(exchange);
    } catch (err) {
      this.broken = true;
      throw err;
    }
  }
}

function tooLarge(limits: AppLimits): WarpError {
  return new WarpError('WARP_E_RESPONSE_TOO_LARGE',
    `the guest wrote a response body over limits.response (${limits.response} bytes)`);
}

class Template implements ComponentTemplate {
  constructor(
    private readonly artifact: ComponentArtifact,
    private readonly glue: Glue,
    readonly host: HostImports,
    readonly reuse: boolean,
  ) {}

  instantiate(): ComponentInstance {
    const { modules } = this.artifact;
    const exports = this.glue.instantiate((name) => {
      const module = modules[name];
      if (module === undefined) throw new Error(`the glue asked for unknown core module ${name}`);
      return module;
    }, this.host.imports);
    return new Instance(this, handlerOf(exports));
  }
}

async function importGlue(source: string): Promise<Glue> {
  const url = `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
  return await import(url) as Glue;
}

export async function loadComponentTemplate(artifact: ComponentArtifact, grants: AppGrants,
  log: LogFn, reuse: boolean): Promise<ComponentTemplate> {
  const glue = await importGlue(artifact.glue);
  const template = new Template(artifact, glue, hostImports(grants, log), reuse);

  // One instance up front checks the wiring: an import the glue finds missing fails the deploy
  // here, with the glue's message, rather than on the first request.
  template.instantiate();
  return template;
}
