// The node's ops side on the app listener: the request counters the front keeps, and the
// endpoints /_warp/ (status page), /_warp/status.json and /_warp/metrics. Status and metrics
// need the admin token whenever the node is reachable from other hosts; the page itself holds
// no data and is always served.

import type { Logger } from 'pino';

import { bearerMatches } from '../control/admin-token.js';
import type { Registry } from '../control/registry.js';
import type { Dispatcher } from '../dispatch/dispatcher.js';
import { WarpError } from '../errors.js';
import { NodeMetrics } from './metrics.js';
import { RequestStats } from './request-stats.js';
import { STATUS_PAGE, STATUS_PAGE_HEADERS } from './status-page.js';
import { nodeStatus, type StatusSources } from './status-report.js';
import { WorkerSampler } from './worker-sample.js';

/** An answer from an ops endpoint, written by the front. */
export interface EndpointReply {
  status: number;
  contentType: string;
  body: string;
  headers?: Array<[string, string]>;
}

export interface OpsAccess {
  /** True when status and metrics need the bearer token. */
  tokenRequired: boolean;
  /** The admin token, or null while it is not known yet (then guarded endpoints say 401). */
  token: () => string | null;
}

export interface OpsOptions {
  dispatcher: Dispatcher;
  registry: Registry;
  /** Date.now() when the node started. */
  startedAt: number;
  /** Null unless --access-log is on. */
  accessLog: Logger | null;
  access: OpsAccess;
}

export class NodeOps {
  /** Handed to the front, which counts every answer into it. */
  readonly stats: RequestStats;
  private readonly metrics: NodeMetrics;
  private readonly status: StatusSources;
  private readonly access: OpsAccess;

  constructor(opts: OpsOptions) {
    this.stats = new RequestStats(opts.accessLog);
    const sources = { stats: this.stats, sampler: new WorkerSampler(opts.dispatcher),
      dispatcher: opts.dispatcher, registry: opts.registry };
    this.metrics = new NodeMetrics(sources);
    this.status = { ...sources, startedAt: opts.startedAt };
    this.access = opts.access;
  }

  answer(url: string, authorization: string): EndpointReply | Promise<EndpointReply> | null {
    switch (url) {
      case '/_warp/':
        return { status: 200, contentType: 'text/html; charset=utf-8', body: STATUS_PAGE,
          headers: STATUS_PAGE_HEADERS };
      case '/_warp/status.json':
        return this.allowed(authorization) ? this.statusJson() : unauthorized();
      case '/_warp/metrics':
        return this.allowed(authorization) ? this.metricsText() : unauthorized();
      default:
        return null;
    }
  }

  private allowed(authorization: string): boolean {
    if (!this.access.tokenRequired) return true;
    const token = this.access.token();
    return token !== null && bearerMatches(authorization, token);
  }

  private async statusJson(): Promise<EndpointReply> {
    const body = JSON.stringify(await nodeStatus(this.status));
    return { status: 200, contentType: 'application/json', body,
      headers: [['cache-control', 'no-store']] };
  }

  private async metricsText(): Promise<EndpointReply> {
    return { status: 200, contentType: this.metrics.contentType, body: await this.metrics.text() };
  }
}

function unauthorized(): EndpointReply {
  const err = new WarpError('WARP_E_UNAUTHORIZED', 'this node is reachable from other hosts, ' +
    'so /_warp/status.json and /_warp/metrics need the admin token as ' +
    "'Authorization: Bearer <token>' (open the page as /_warp/#token=<token>)");
  return { status: err.status, contentType: 'application/json', body: err.toBody(),
    headers: [['www-authenticate', 'Bearer']] };
}
