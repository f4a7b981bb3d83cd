// wasi:keyvalue (0.2.0-draft: store, atomics, batch) for component guests: a store named in the
// app's `key_value` grant opens as a bucket over the app's own file (keyvalue-store.ts); any other
// name is `access-denied`. Spec: WebAssembly/wasi-keyvalue 0.2.0-draft.

import { StoreFailure, storeFor, type KeyValueStore } from './keyvalue-store.js';

const ACCESS_DENIED = Object.freeze({ tag: 'access-denied' });
const MAX_KEY_BYTES = 4096;
const MAX_VALUE_BYTES = 16 * 1024 * 1024;

/** The store's `other(string)` error, for a guest to read. */
function other(message: string): { tag: 'other'; val: string } {
  return { tag: 'other', val: message };
}

/** Runs a store operation; what SQLite or the store throws becomes `other`. */
function storeCall<T>(operation: () => T): T {
  try {
    return operation();
  } catch (err) {
    if (!(err instanceof Error)) throw err;
    if (err instanceof StoreFailure) throw other(err.message);
    throw other(`the store failed: ${err.message}`);
  }
}

function checkKey(key: string): string {
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
    throw other(`key longer than ${MAX_KEY_BYTES} bytes`);
  }
  return key;
}

function checkValue(value: Uint8Array): Uint8Array {
  if (value.length > MAX_VALUE_BYTES) {
    throw other(`value larger than ${MAX_VALUE_BYTES} bytes`);
  }
  return value;
}

/** wasi:keyvalue/store `bucket`. */
export class Bucket {
  constructor(readonly store: KeyValueStore) {}

  get(key: string): Uint8Array | undefined {
    return storeCall(() => this.store.get(checkKey(key)));
  }

  set(key: string, value: Uint8Array): void {
    storeCall(() => this.store.set(checkKey(key), checkValue(value)));
  }

  delete(key: string): void {
    storeCall(() => this.store.delete(checkKey(key)));
  }

  exists(key: string): boolean {
    return storeCall(() => this.store.exists(checkKey(key)));
  }

  listKeys(cursor: bigint | undefined): { keys: string[]; cursor: bigint | undefined } {
    const offset = cursor === undefined ? 0 : Number(cursor);
    const { keys, next } = storeCall(() => this.store.keys(offset));
    return { keys, cursor: next === null ? undefined : BigInt(next) };
  }
}

/** The granted stores of one app. */
export class KeyValueHost {
  private readonly granted: Set<string>;

  constructor(private readonly dataDir: string, private readonly app: string,
    stores: readonly string[]) {
    this.granted = new Set(stores);
  }

  open(identifier: string): Bucket {
    if (!this.granted.has(identifier)) throw ACCESS_DENIED;
    return new Bucket(storeCall(() => storeFor(this.dataDir, this.app, identifier)));
  }
}

function increment(bucket: Bucket, key: string, delta: bigint): bigint {
  return storeCall(() => bucket.store.increment(checkKey(key), delta));
}

function getMany(bucket: Bucket, keys: string[]): Array<[string, Uint8Array] | undefined> {
  return keys.map((key) => {
    const value = bucket.get(key);
    return value === undefined ? undefined : [key, value];
  });
}

function setMany(bucket: Bucket, entries: Array<[string, Uint8Array]>): void {
  for (const [, value] of entries) checkValue(value);
  storeCall(() => bucket.store.batch(() => {
    for (const [key, value] of entries) bucket.store.set(checkKey(key), value);
  }));
}

function deleteMany(bucket: Bucket, keys: string[]): void {
  storeCall(() => bucket.store.batch(() => {
    for (const key of keys) bucket.store.delete(checkKey(key));
  }));
}

export function keyValueInterfaces(host: KeyValueHost): Record<string, object> {
  return {
    'wasi:keyvalue/store': { Bucket, open: (identifier: string) => host.open(identifier) },
    'wasi:keyvalue/atomics': { increment },
    'wasi:keyvalue/batch': { getMany, setMany, deleteMany },
  };
}
