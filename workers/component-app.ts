// A wasi-http component app on one worker: a template loaded from the transpiled artifact and a
// warm pool of instances. Components built with componentize-js serve one request per instance,
// so they are spent after each request unless the manifest opts into reuse.

import type { Logger } from 'pino';

import type { AppSpec } from './app-spec.js';
import type { GuestApp } from './guest-app.js';
import type { GuestRequest, GuestResponse } from './guest-types.js';
import { InstancePool } from './instance-pool.js';
import {
  loadComponentTemplate, type ComponentInstance,
} from './wasi-http/component-template.js';
import type { ComponentArtifact } from '../src/control/component/prepare-component.js';

/**
 * The request whose guest is running. The guest runs synchronously inside `instance.handle`
 * (outgoing I/O blocks the worker), so its stdout and stderr lines belong to this request.
 */
let runningRequestId: string | undefined;

class ComponentApp implements GuestApp {
  constructor(
    readonly spec: AppSpec,
    readonly pool: InstancePool<ComponentInstance>,
  ) {}

  async handle(req: GuestRequest): Promise<GuestResponse> {
    const instance = this.pool.take();
    let healthy = false;
    try {
      runningRequestId = req.requestId;
      let pending: Promise<GuestResponse>;
      try {
        pending = instance.handle(req, this.spec.limits);
      } finally {
        runningRequestId = undefined;
      }
      const response = await pending;
      healthy = true;
      return response;
    } finally {
      if (healthy && this.spec.reuse && instance.reusable) this.pool.give(instance);
      else this.pool.spend();
    }
  }

  close(): void {
    this.pool.close();
  }
}

export async function loadComponentApp(spec: AppSpec, artifact: unknown,
  log: Logger): Promise<GuestApp> {
  const appLog = log.child({ app: spec.name, version: spec.version });
  const template = await loadComponentTemplate(artifact as ComponentArtifact, spec,
    (stream, line) => appLog.info({ requestId: runningRequestId, stream }, line));
  const pool = new InstancePool(() => template.instantiate(), spec.min,
    (err) => appLog.error({ err }, 'warm instance failed'), spec.idle);
  pool.fill();
  return new ComponentApp(spec, pool);
}
