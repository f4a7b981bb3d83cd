// The import object a transpiled component is instantiated with: every interface WarpGrid knows,
// keyed by name without version, as jco's instantiation glue asks for them. One object per
// template serves all of its instances; per-request state lives in the request's own objects.

import type { AppGrants } from '../guest-types.js';
import { cliInterfaces, LineLog, type LogFn } from './cli-host.js';
import { clockInterfaces, randomInterfaces } from './clock-random-host.js';
import { denyInterfaces } from './deny-host.js';
import { Fields } from './http-fields.js';
import {
  FutureTrailers, IncomingBody, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
} from './http-host.js';
import {
  FutureIncomingResponse, IncomingResponse, OutgoingRequest, RequestOptions, httpErrorCode,
  outgoingHandler,
} from './http-outgoing.js';
import { ioInterfaces } from './io-host.js';

export interface HostImports {
  imports: Record<string, object>;
  stdout: LineLog;
  stderr: LineLog;
}

function httpTypes(): object {
  return {
    Fields, FutureIncomingResponse, FutureTrailers, IncomingBody, IncomingRequest,
    IncomingResponse, OutgoingBody, OutgoingRequest, OutgoingResponse, RequestOptions,
    ResponseOutparam, httpErrorCode,
  };
}

export function hostImports(grants: AppGrants, log: LogFn): HostImports {
  const stdout = new LineLog('stdout', log);
  const stderr = new LineLog('stderr', log);
  const imports = {
    ...ioInterfaces(),
    ...clockInterfaces(),
    ...randomInterfaces(),
    ...cliInterfaces(grants, stdout, stderr),
    'wasi:http/types': httpTypes(),
    'wasi:http/outgoing-handler': outgoingHandler(),
    ...denyInterfaces(),
  };
  return { imports, stdout, stderr };
}
