// A worker's link to its outgoing-request thread. Orders go out on a MessagePort; answers come
// back on it and are taken synchronously (receiveMessageOnPort), because the guest that waits for
// them is blocked in wasi:io/poll and the worker's event loop does not turn meanwhile. The thread
// bumps a shared word after each answer, which is what a blocked poll waits on.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

import { io, type IoSource } from './io-host.js';
import type { OutboundReply, SendOrder } from './outbound-messages.js';

export type ReplyHandler = (reply: OutboundReply) => void;

const THREAD_FILE = new URL('./outbound-thread.js', import.meta.url);

class OutboundLink implements IoSource {
  private readonly wake = new Int32Array(new SharedArrayBuffer(4));
  private readonly channel = new MessageChannel();
  private readonly thread: Worker;
  private readonly waiting = new Map<number, ReplyHandler>();
  private nextId = 1;

  constructor() {
    this.thread = new Worker(THREAD_FILE, {
      workerData: { port: this.channel.port2, wake: this.wake.buffer },
      transferList: [this.channel.port2],
    });
    // The worker's lifetime decides the thread's; it must not keep a finished worker alive.
    this.thread.unref();
    this.thread.on('error', (err) => this.failAll(err));
    this.thread.on('exit', () => this.failAll(new Error('the outgoing-request thread exited')));
  }

  get busy(): boolean {
    return this.waiting.size > 0;
  }

  /** Sends an order; `onReply` is called from drain() with its answer. */
  send(order: Omit<SendOrder, 'op' | 'id'>, onReply: ReplyHandler): number {
    const id = this.nextId++;
    this.waiting.set(id, onReply);
    const message: SendOrder = { op: 'send', id, ...order };
    this.channel.port1.postMessage(message);
    return id;
  }

  /** Stops waiting for an answer and asks the thread to drop the exchange. */
  abort(id: number): void {
    if (!this.waiting.delete(id)) return;
    this.channel.port1.postMessage({ op: 'abort', id });
  }

  drain(): void {
    for (let got = receiveMessageOnPort(this.channel.port1); got !== undefined;
      got = receiveMessageOnPort(this.channel.port1)) {
      const reply = got.message as OutboundReply;
      const onReply = this.waiting.get(reply.id);
      if (onReply === undefined) continue;
      this.waiting.delete(reply.id);
      onReply(reply);
    }
  }

  waitUntil(untilMs: number): void {
    // The word is read before draining, so an answer that lands in between changes it and the
    // wait below returns at once instead of sleeping through it.
    const seen = Atomics.load(this.wake, 0);
    this.drain();
    const left = untilMs - performance.now();
    if (left > 0 && this.busy) Atomics.wait(this.wake, 0, seen, left);
    this.drain();
  }

  private failAll(err: Error): void {
    if (link === this) link = null;
    if (io.source === this) io.source = null;
    for (const [id, onReply] of this.waiting) {
      onReply({ id, ok: false, error: { tag: 'internal-error', val: err.message } });
    }
    this.waiting.clear();
  }
}

let link: OutboundLink | null = null;

/** The worker's link, started on first use; a link whose thread died is replaced. */
export function outboundLink(): OutboundLink {
  link ??= new OutboundLink();
  io.source = link;
  return link;
}
