// A WAGI app on one worker: its template (the compiled module and shared imports), how a fresh
// instance is made from it, and how one request runs through an instance.

import { WarpError } from '../../src/errors.js';
import type { AppGrants, AppLimits, GuestRequest, GuestResponse } from '../guest-types.js';
import { Preopens } from './preopens.js';
import { OutputBuffer, Preview1Host, ProcExit, type WagiCall } from './preview1-host.js';
import { InstanceState, memoryImage } from './instance-state.js';
import { cgiEnviron, wagiArgv } from './wagi-request.js';
import { parseWagiOutput } from './wagi-response.js';

export interface WagiInstance {
  readonly memory: WebAssembly.Memory;
  readonly start: () => void;
  readonly state: InstanceState;
}

/** One per worker: a worker runs one WAGI guest at a time, so stdout can be reused. */
const stdout = new OutputBuffer();

export class WagiTemplate {
  private readonly host = new Preview1Host();
  private readonly preopens: Preopens | null;
  private readonly imports: WebAssembly.Imports;
  /** Memory right after instantiation; every instance of the template starts from it. */
  private image: Uint8Array | null = null;

  constructor(
    readonly module: WebAssembly.Module,
    private readonly grants: AppGrants,
    private readonly limits: AppLimits,
    private readonly stderr: (requestId: string, line: string) => void,
  ) {
    this.imports = this.host.importsFor(module);
    this.preopens = grants.files.length > 0 ? new Preopens(grants.files) : null;
  }

  instantiate(): WagiInstance {
    const instance = new WebAssembly.Instance(this.module, this.imports);
    const memory = instance.exports.memory;
    const start = instance.exports._start;
    if (!(memory instanceof WebAssembly.Memory) || typeof start !== 'function') {
      throw new WarpError('WARP_E_BAD_ARTIFACT', 'a WAGI module must export memory and _start');
    }
    this.image ??= memoryImage(memory);
    const state = new InstanceState(instance.exports, memory, this.image);
    return { memory, start: start as () => void, state };
  }

  /** Runs the guest to completion; the instance must be restored before it serves again. */
  run(instance: WagiInstance, req: GuestRequest): GuestResponse {
    const call = this.callFor(instance, req);
    stdout.reset(this.limits.response + 64 * 1024);
    this.host.active = call;
    try {
      instance.start();
    } catch (err) {
      if (!(err instanceof ProcExit)) throw err;
      if (err.code !== 0) {
        throw new WarpError('WARP_E_GUEST_EXIT', `the guest exited with code ${err.code}`);
      }
    } finally {
      this.host.active = null;
      call.fds?.closeAll();
    }
    const response = parseWagiOutput(stdout.view());
    if (response.body.length > this.limits.response) {
      throw new WarpError('WARP_E_RESPONSE_TOO_LARGE',
        `the guest wrote a body over ${this.limits.response} bytes; raise limits.response`);
    }
    return response;
  }

  private callFor(instance: WagiInstance, req: GuestRequest): WagiCall {
    const environ = cgiEnviron(req, this.grants.env);
    const argv = wagiArgv(req);
    const stderr = this.stderr;
    const requestId = req.requestId;
    return {
      memory: instance.memory,
      environ: environ.bytes,
      environCount: environ.count,
      argv: argv.bytes,
      argc: argv.count,
      stdin: req.body,
      stdinPos: 0,
      stdout,
      stderr: (bytes) => stderr(requestId, Buffer.from(bytes).toString('utf8')),
      fds: this.preopens?.table() ?? null,
    };
  }
}
