// wasi:clocks and wasi:random for component guests. Every app gets these; they need no grant.
// Spec: WebAssembly/wasi-clocks 0.2, WebAssembly/wasi-random 0.2.

import { randomFillSync } from 'node:crypto';

import { Pollable } from './io-host.js';

const NS_PER_MS = 1_000_000;
/** One call may ask for this many bytes at most; guests ask for a few dozen. */
const MAX_RANDOM_BYTES = 16 * 1024 * 1024;

function monotonicNow(): bigint {
  return process.hrtime.bigint();
}

/** A pollable that becomes ready once the monotonic clock reaches `whenNs`. */
function pollableAt(whenNs: bigint): Pollable {
  const delayMs = Number(whenNs - monotonicNow()) / NS_PER_MS;
  return new Pollable(performance.now() + Math.max(0, delayMs));
}

function wallNow(): { seconds: bigint; nanoseconds: number } {
  const ms = performance.timeOrigin + performance.now();
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanoseconds: Math.floor((ms - seconds * 1000) * NS_PER_MS) };
}

function randomBytes(len: bigint): Uint8Array {
  const n = Number(len);
  if (n > MAX_RANDOM_BYTES) throw new RangeError(`guest asked for ${n} random bytes at once`);
  return randomFillSync(new Uint8Array(n));
}

function randomU64(): bigint {
  const word = new BigUint64Array(1);
  randomFillSync(word);
  return word[0] as bigint;
}

export function clockInterfaces(): Record<string, object> {
  return {
    'wasi:clocks/monotonic-clock': {
      now: monotonicNow,
      resolution: () => 1n,
      subscribeInstant: (when: bigint) => pollableAt(when),
      subscribeDuration: (duration: bigint) => pollableAt(monotonicNow() + duration),
    },
    'wasi:clocks/wall-clock': {
      now: wallNow,
      resolution: () => ({ seconds: 0n, nanoseconds: 1000 }),
    },
  };
}

/** Insecure randomness is served from the same source as secure randomness. */
export function randomInterfaces(): Record<string, object> {
  return {
    'wasi:random/random': { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    'wasi:random/insecure': {
      getInsecureRandomBytes: randomBytes,
      getInsecureRandomU64: randomU64,
    },
    'wasi:random/insecure-seed': { insecureSeed: () => [randomU64(), randomU64()] },
  };
}
