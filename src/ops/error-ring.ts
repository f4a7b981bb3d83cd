// The last errors the node answered, for the status page. Slots are made once and overwritten,
// so a burst of errors (a full queue under load) allocates nothing here.

import type { WarpErrorCode } from '../errors.js';

export interface RecentError {
  /** Date.now() when the error was answered. */
  at: number;
  app: string;
  code: WarpErrorCode;
  status: number;
  requestId: string;
  message: string;
}

export class ErrorRing {
  private readonly slots: RecentError[];
  private next = 0;
  private filled = 0;

  constructor(readonly size = 50) {
    this.slots = Array.from({ length: size }, () => ({
      at: 0, app: '', code: 'WARP_E_INTERNAL', status: 0, requestId: '', message: '',
    }));
  }

  push(app: string, code: WarpErrorCode, status: number, requestId: string,
    message: string): void {
    const slot = this.slots[this.next] as RecentError;
    slot.at = Date.now();
    slot.app = app;
    slot.code = code;
    slot.status = status;
    slot.requestId = requestId;
    slot.message = message;
    this.next = (this.next + 1) % this.size;
    if (this.filled < this.size) this.filled++;
  }

  /** Newest first, as copies. */
  list(): RecentError[] {
    const out: RecentError[] = [];
    for (let i = 1; i <= this.filled; i++) {
      out.push({ ...(this.slots[(this.next - i + this.size) % this.size] as RecentError) });
    }
    return out;
  }
}
