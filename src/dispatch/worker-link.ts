// The main thread's side of one worker: its slot, its control port, and what runs on it.

import type { MessagePort, Worker } from 'node:worker_threads';

import { WarpError, type WarpErrorCode } from '../errors.js';
import type { ControlMessage, ControlReply, WorkerStats } from '../../workers/app-spec.js';
import { frameSeq, setFrameSeq } from '../../workers/frame.js';
import type { Exchange } from './exchange.js';

type Pending = { resolve: (reply: ControlReply) => void; reject: (err: Error) => void };
type Outgoing = ControlMessage extends infer M ? M extends { id: number } ? Omit<M, 'id'> : never
  : never;

export class WorkerLink {
  /** Requests sent to this worker and not yet answered. */
  inflight = 0;
  /** When the worker's current oldest request began running (approximately). */
  private oldestStart = 0;
  /** True once piscina reports the worker ready for tasks. */
  online = false;
  /** Keys of the app versions deployed and acknowledged on this worker. */
  readonly keys = new Set<number>();
  worker: Worker | null = null;
  /** [0]: the request the watchdog wants stopped; shared with the worker's interrupt check. */
  readonly interruptFlags: Int32Array;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** Requests sent on the port lane, by sequence number. */
  private readonly running = new Map<number, Exchange>();
  private nextSeq = 1;

  constructor(
    readonly threadId: number,
    readonly slot: number,
    private readonly port: MessagePort,
    private readonly requests: MessagePort,
    private readonly onDone: (ex: Exchange, frame: Uint8Array | null, err: unknown) => void,
    flags: SharedArrayBuffer,
  ) {
    this.interruptFlags = new Int32Array(flags, 0, 2);
    port.on('message', (reply: ControlReply) => this.onReply(reply));
    port.unref();
    requests.on('message', (frame: Uint8Array) => this.onResponse(frame));
    requests.unref();
  }

  /** Numbers a request for this worker; 0 is never used, it means "none". */
  number(ex: Exchange): void {
    const seq = this.nextSeq;
    this.nextSeq = (seq + 1) % 0x7fffffff || 1;
    ex.seq = seq;
    setFrameSeq(ex.frame, seq);
  }

  /** True when the oldest request on this worker started before `time`. */
  stalledSince(time: number): boolean {
    return this.inflight > 0 && this.oldestStart < time;
  }

  /** Counts a request in; the first one on an idle worker starts running now. */
  enter(now: number): void {
    if (this.inflight === 0) this.oldestStart = now;
    this.inflight++;
  }

  /** Counts a request out; requests finish in order, so the next one starts now. */
  leave(now: number): void {
    this.inflight--;
    this.oldestStart = now;
  }

  /** Sends a numbered request frame on the port lane; its buffer is transferred. */
  post(ex: Exchange): void {
    this.running.set(ex.seq, ex);
    this.requests.postMessage(ex.frame, [ex.frame.buffer as ArrayBuffer]);
  }

  /** Asks the worker's interrupt check to trap the guest running this request. */
  interrupt(ex: Exchange): void {
    Atomics.store(this.interruptFlags, 0, ex.seq);
  }

  private onResponse(frame: Uint8Array): void {
    const seq = frameSeq(frame);
    const ex = this.running.get(seq);
    if (ex === undefined) return;
    this.running.delete(seq);
    this.onDone(ex, frame, null);
  }

  send(msg: Outgoing): Promise<ControlReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // An idle port must not keep the process alive, but a pending call must.
      this.port.ref();
      this.port.postMessage({ ...msg, id });
    });
  }

  async stats(): Promise<WorkerStats> {
    const reply = await this.send({ op: 'stats' });
    return reply.op === 'ok' && reply.stats ? reply.stats : { apps: [] };
  }

  /** Fails every pending call and request: the worker is gone. */
  close(): void {
    const lost = new WarpError('WARP_E_WORKER_LOST', `worker ${this.threadId} exited while ` +
      'running the request; retry');
    for (const p of this.pending.values()) p.reject(lost);
    this.pending.clear();
    for (const ex of this.running.values()) this.onDone(ex, null, lost);
    this.running.clear();
    this.port.close();
    this.requests.close();
  }

  private onReply(reply: ControlReply): void {
    const p = this.pending.get(reply.id);
    if (p === undefined) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.port.unref();
    if (reply.op === 'error') p.reject(new WarpError(reply.code as WarpErrorCode, reply.message));
    else p.resolve(reply);
  }
}
