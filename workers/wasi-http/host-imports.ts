// The import object a transpiled component is instantiated with: every interface WarpGrid knows,
// keyed by name without version, as jco's instantiation glue asks for them. One object per
// template serves all of its instances; per-request state lives in the request's own objects,
// set up by begin() and dropped by end() around each request.

import type { AppGrants, AppLimits } from '../guest-types.js';
import { cliInterfaces, LineLog, type LogFn } from './cli-host.js';
import { clockInterfaces, randomInterfaces } from './clock-random-host.js';
import { denyInterfaces, denyKeyValue } from './deny-host.js';
import { FilesHost, filesystemInterfaces } from './filesystem-host.js';
import { Fields } from './http-fields.js';
import {
  FutureTrailers, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
} from './http-host.js';
import {
  FutureIncomingResponse, IncomingResponse, OutgoingRequest, RequestOptions, httpErrorCode,
} from './http-outgoing.js';
import { ioInterfaces } from './io-host.js';
import { keyValueInterfaces, KeyValueHost } from './keyvalue-host.js';
import { outboundLink } from './outbound-link.js';
import { OutgoingHandler } from './outgoing-handler.js';

export interface HostImports {
  imports: Record<string, object>;
  stdout: LineLog;
  stderr: LineLog;
  /** Readies the granted interfaces for a request that must end by `deadlineMs`. */
  begin(limits: AppLimits, deadlineMs: number): void;
  /** Closes what the request opened and drops what it still has in flight. */
  end(): void;
}

/** Which app the imports are for, and where its stores live (null: no data dir). */
export interface HostContext {
  app: string;
  grants: AppGrants;
  dataDir: string | null;
}

function httpTypes(): object {
  return {
    Fields, FutureIncomingResponse, FutureTrailers, IncomingBody, IncomingRequest,
    IncomingResponse, OutgoingBody, OutgoingRequest, OutgoingResponse, RequestOptions,
    ResponseOutparam, httpErrorCode,
  };
}

function keyValue(context: HostContext): Record<string, object> {
  const stores = context.grants.keyValue;
  if (stores.length === 0 || context.dataDir === null) return denyKeyValue();
  return keyValueInterfaces(new KeyValueHost(context.dataDir, context.app, stores));
}

export function hostImports(context: HostContext, log: LogFn): HostImports {
  const stdout = new LineLog('stdout', log);
  const stderr = new LineLog('stderr', log);
  const files = new FilesHost(context.grants.files);
  const outgoing = new OutgoingHandler(context.grants.allowedOutboundHosts);
  // Started now, so that the first request does not wait for the thread to boot.
  if (outgoing.granted) outboundLink();

  const imports = {
    ...ioInterfaces(),
    ...clockInterfaces(),
    ...randomInterfaces(),
    ...cliInterfaces(context.grants, stdout, stderr),
    'wasi:http/types': httpTypes(),
    'wasi:http/outgoing-handler': {
      handle: (request: OutgoingRequest, options: RequestOptions | undefined) =>
        outgoing.handle(request, options),
    },
    ...denyInterfaces(),
    ...filesystemInterfaces(files),
    ...keyValue(context),
  };
  return {
    imports, stdout, stderr,
    begin(limits, deadlineMs) {
      files.begin();
      outgoing.begin(deadlineMs, limits.response);
    },
    end() {
      files.end();
      outgoing.end();
    },
  };
}
