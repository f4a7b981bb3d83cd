// The on-disk key-value stores behind wasi:keyvalue: one SQLite file per app and store name,
// `<data dir>/keyvalue/<app>/<store>.sqlite`, so an app reaches only its own stores. Every
// worker that runs the app opens the same file; SQLite's locking (WAL mode) keeps their reads and
// writes consistent. A write is in the file's log before set returns, so it survives a restart
// or a crash of the node; with synchronous=NORMAL the log is synced at checkpoints, so a power
// cut may lose the last writes.

import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import type Database from 'better-sqlite3';

/** Keys listed per list-keys call; the cursor says where the next page starts. */
export const KEYS_PER_PAGE = 1000;
/** How long a write waits for another worker's write to the same store. */
const BUSY_TIMEOUT_MS = 1000;
const U64_MAX = (1n << 64n) - 1n;
const DECIMAL = /^\d{1,20}$/;

let driver: typeof Database | null = null;

/** The native SQLite driver, loaded once a worker opens its first store. */
function sqlite(): typeof Database {
  driver ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return driver;
}

/** A failure the guest sees as the store's `other(string)` error. */
export class StoreFailure extends Error {}

type Row = { value: Uint8Array };

export class KeyValueStore {
  private readonly db: Database.Database;
  private readonly selectOne: Database.Statement<[string], Row>;
  private readonly upsert: Database.Statement<[string, Uint8Array]>;
  private readonly remove: Database.Statement<[string]>;
  private readonly page: Database.Statement<[number, number], { key: string }>;
  private readonly add: (key: string, delta: bigint) => bigint;

  constructor(file: string) {
    this.db = new (sqlite())(file, { timeout: BUSY_TIMEOUT_MS });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS entries ' +
      '(key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID');
    this.selectOne = this.db.prepare('SELECT value FROM entries WHERE key = ?');
    this.upsert = this.db.prepare('INSERT INTO entries (key, value) VALUES (?, ?) ' +
      'ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    this.remove = this.db.prepare('DELETE FROM entries WHERE key = ?');
    this.page = this.db.prepare('SELECT key FROM entries ORDER BY key LIMIT ? OFFSET ?');
    // IMMEDIATE takes the write lock before reading, so two workers never add to the same base.
    const add = this.db.transaction((key: string, delta: bigint) => this.addNow(key, delta));
    this.add = (key, delta) => add.immediate(key, delta);
  }

  get(key: string): Uint8Array | undefined {
    return this.selectOne.get(key)?.value;
  }

  set(key: string, value: Uint8Array): void {
    this.upsert.run(key, value);
  }

  delete(key: string): void {
    this.remove.run(key);
  }

  exists(key: string): boolean {
    return this.selectOne.get(key) !== undefined;
  }

  /** Keys in order from `offset`, and the offset of the next page when there may be one. */
  keys(offset: number): { keys: string[]; next: number | null } {
    const keys = this.page.all(KEYS_PER_PAGE, offset).map((row) => row.key);
    return { keys, next: keys.length === KEYS_PER_PAGE ? offset + keys.length : null };
  }

  /** Adds `delta` to the decimal number stored at `key` (0 when absent); the new value. */
  increment(key: string, delta: bigint): bigint {
    return this.add(key, delta);
  }

  /** Runs several changes as one transaction. */
  batch(changes: () => void): void {
    this.db.transaction(changes)();
  }

  private addNow(key: string, delta: bigint): bigint {
    const current = this.selectOne.get(key);
    const text = current === undefined ? '0' : Buffer.from(current.value).toString('latin1');
    if (!DECIMAL.test(text)) {
      throw new StoreFailure(`the value at '${key}' is not a decimal number; increment needs ` +
        'one (or no value)');
    }
    const sum = BigInt(text) + delta;
    if (sum > U64_MAX) throw new StoreFailure(`incrementing '${key}' would pass 2^64 - 1`);
    this.upsert.run(key, Buffer.from(sum.toString(), 'latin1'));
    return sum;
  }
}

/** Stores open on this worker, by file; shared by every version of an app that it runs. */
const openStores = new Map<string, KeyValueStore>();

export function storeFor(dataDir: string, app: string, store: string): KeyValueStore {
  const dir = join(dataDir, 'keyvalue', app);
  const file = join(dir, `${store}.sqlite`);
  let opened = openStores.get(file);
  if (opened === undefined) {
    mkdirSync(dir, { recursive: true });
    opened = new KeyValueStore(file);
    openStores.set(file, opened);
  }
  return opened;
}
