// One deployed app version on one worker: its template, its warm pool, and how a request runs.

import type { Logger } from 'pino';

import type { BucketCounts } from '../src/ops/bucket-counts.js';
import type { AppSpec } from './app-spec.js';
import type { GuestRequest, GuestResponse } from './guest-types.js';
import { InstancePool } from './instance-pool.js';
import { WagiTemplate, type WagiInstance } from './wagi/wagi-app.js';

export interface GuestApp {
  readonly spec: AppSpec;
  readonly pool: { warm: number; busy: number; made: BucketCounts };
  handle(req: GuestRequest): GuestResponse | Promise<GuestResponse>;
  close(): void;
}

export class WagiApp implements GuestApp {
  readonly pool: InstancePool<WagiInstance>;
  private readonly template: WagiTemplate;

  constructor(readonly spec: AppSpec, module: WebAssembly.Module, log: Logger) {
    const appLog = log.child({ app: spec.name, version: spec.version });
    this.template = new WagiTemplate(module, spec.grants, spec.limits, (requestId, text) => {
      for (const line of text.split('\n')) {
        if (line !== '') appLog.info({ requestId, stream: 'stderr' }, line);
      }
    });
    this.pool = new InstancePool(() => this.template.instantiate(), spec.min,
      (err) => appLog.error({ err }, 'warm instance failed'), spec.idle);
    this.pool.fill();
  }

  handle(req: GuestRequest): GuestResponse {
    const instance = this.pool.take();
    let response: GuestResponse;
    try {
      response = this.template.run(instance, req);
    } catch (err) {
      // A trap or a failed exit may leave the instance half-way: it never serves again.
      this.pool.spend();
      throw err;
    }
    if (this.spec.recycle === 'reset' && instance.state.restore()) this.pool.give(instance);
    else this.pool.spend();
    return response;
  }

  close(): void {
    this.pool.close();
  }
}
