// Request ids: a client's X-Request-Id is kept when it is short and plain; otherwise the node
// makes one from a per-process prefix and a counter, which costs no randomness per request.

import { randomBytes } from 'node:crypto';

const VALID = /^[A-Za-z0-9._:-]{1,128}$/;
const prefix = randomBytes(6).toString('hex');
let counter = 0;

export function requestIdFor(incoming: string): string {
  if (incoming !== '' && VALID.test(incoming)) return incoming;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}-${counter.toString(36)}`;
}
