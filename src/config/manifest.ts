// An app manifest: the TOML an operator writes, checked field by field into an AppManifest.
// The JSON Schema in manifests/manifest.schema.json describes the same format for editors.

import { parse as parseToml } from 'smol-toml';

import { WarpError } from '../errors.js';

export type Abi = 'wagi' | 'wasi-http';

export interface AppManifest {
  readonly name: string;
  /** Absolute path of the artifact. */
  readonly module: string;
  /** Path prefix, e.g. `/r/hello`. */
  readonly route: string;
  /** Host names served at `/`, matched without the port. */
  readonly hosts: readonly string[];
  /** Null when it is to be read from the artifact. */
  readonly abi: Abi | null;
  readonly scale: {
    readonly min: number;
    readonly max: number;
    readonly reuse: boolean;
    readonly recycle: 'reset' | 'fresh';
    /** Idle instances above min are released after this many ms. */
    readonly idle: number;
  };
  readonly limits: {
    readonly memory: number;
    readonly timeout: number;
    readonly body: number;
    readonly response: number;
  };
  readonly grants: {
    readonly env: Readonly<Record<string, string>>;
    readonly files: ReadonlyArray<{ readonly source: string; readonly guest: string }>;
    readonly allowedOutboundHosts: readonly string[];
    readonly keyValue: readonly string[];
  };
}

export const MANIFEST_DEFAULTS = {
  min: 1,
  max: 64,
  memory: 128 * 1024 * 1024,
  timeout: 1000,
  body: 10 * 1024 * 1024,
  response: 16 * 1024 * 1024,
  idle: 30_000,
} as const;

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ROUTE = /^(\/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/;
const HOST = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOP_KEYS = ['name', 'module', 'route', 'hosts', 'abi', 'scale', 'limits', 'grants'];

/** Where a manifest came from, for messages: `manifests/hello.toml`. */
type Where = string;

export function parseManifestToml(text: string, where: Where, resolveModule: (p: string) => string,
): AppManifest {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const first = (err as Error).message.split('\n')[0];
    throw new WarpError('WARP_E_BAD_MANIFEST', `${where}: not valid TOML: ${first}`);
  }
  return checkManifest(doc, where, resolveModule);
}

export function checkManifest(doc: Record<string, unknown>, where: Where,
  resolveModule: (p: string) => string,
): AppManifest {
  const fail = (msg: string): never => {
    throw new WarpError('WARP_E_BAD_MANIFEST', `${where}: ${msg}`);
  };
  for (const key of Object.keys(doc)) {
    if (!TOP_KEYS.includes(key)) fail(`unknown field '${key}'; allowed: ${TOP_KEYS.join(', ')}`);
  }

  const name = doc.name;
  if (typeof name !== 'string' || !NAME.test(name)) {
    fail('name must be 1-63 lower-case letters, digits or dashes, starting with a letter or digit');
  }
  const appName = name as string;

  if (typeof doc.module !== 'string' || doc.module === '') {
    fail('module must be the path of a .wasm file, relative to the manifest');
  }
  const route = doc.route ?? `/r/${appName}`;
  if (typeof route !== 'string' || !ROUTE.test(route) || route.startsWith('/_warp')) {
    fail("route must be a path prefix such as '/r/hello', without a trailing slash or '/_warp'");
  }

  return {
    name: appName,
    module: resolveModule(doc.module as string),
    route: route as string,
    hosts: checkHosts(doc.hosts, fail),
    abi: checkAbi(doc.abi, fail),
    scale: checkScale(section(doc, 'scale', fail), fail),
    limits: checkLimits(section(doc, 'limits', fail), fail),
    grants: checkGrants(section(doc, 'grants', fail), fail, resolveModule),
  };
}

type Fail = (msg: string) => never;

function section(doc: Record<string, unknown>, key: string, fail: Fail): Record<string, unknown> {
  const value = doc[key] ?? {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${key} must be a table ([${key}])`);
  }
  return value as Record<string, unknown>;
}

function onlyKeys(table: Record<string, unknown>, prefix: string, keys: string[], fail: Fail) {
  for (const key of Object.keys(table)) {
    if (!keys.includes(key)) fail(`unknown field '${prefix}.${key}'; allowed: ${keys.join(', ')}`);
  }
}

function checkHosts(raw: unknown, fail: Fail): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return fail('hosts must be an array of host names');
  return raw.map((host, i) => {
    if (typeof host !== 'string' || !HOST.test(host)) {
      fail(`hosts[${i}] must be a lower-case host name such as 'hello.test', without a port`);
    }
    return host as string;
  });
}

function checkAbi(raw: unknown, fail: Fail): Abi | null {
  if (raw === undefined) return null;
  if (raw === 'wagi' || raw === 'wasi-http') return raw;
  return fail("abi must be 'wagi' or 'wasi-http' (or left out to read it from the module)");
}

function checkScale(table: Record<string, unknown>, fail: Fail): AppManifest['scale'] {
  onlyKeys(table, 'scale', ['min', 'max', 'idle', 'reuse', 'recycle'], fail);
  const min = table.min ?? MANIFEST_DEFAULTS.min;
  if (!isInteger(min) || min < 0 || min > 10_000) {
    fail('scale.min must be a non-negative integer (at most 10000)');
  }
  const max = table.max ?? Math.max(MANIFEST_DEFAULTS.max, min as number);
  if (!isInteger(max) || max < 1 || max > 10_000) {
    fail('scale.max must be a positive integer (at most 10000)');
  }
  if ((max as number) < (min as number)) fail('scale.max must not be less than scale.min');
  const reuse = table.reuse ?? false;
  if (typeof reuse !== 'boolean') fail('scale.reuse must be true or false');
  const recycle = table.recycle ?? 'reset';
  if (recycle !== 'reset' && recycle !== 'fresh') {
    fail("scale.recycle must be 'reset' (restore a served instance) or 'fresh' (a new one)");
  }
  return {
    min: min as number, max: max as number, reuse: reuse as boolean,
    recycle: recycle as 'reset' | 'fresh',
    idle: durationField(table.idle, 'scale.idle', MANIFEST_DEFAULTS.idle, fail),
  };
}

function checkLimits(table: Record<string, unknown>, fail: Fail): AppManifest['limits'] {
  onlyKeys(table, 'limits', ['memory', 'timeout', 'body', 'response'], fail);
  const memory = sizeField(table.memory, 'limits.memory', MANIFEST_DEFAULTS.memory, fail);
  if (memory < 65536 || memory > 4 * 1024 ** 3) {
    fail('limits.memory must be from 64KiB to 4GiB');
  }
  return {
    memory,
    timeout: durationField(table.timeout, 'limits.timeout', MANIFEST_DEFAULTS.timeout, fail),
    body: sizeField(table.body, 'limits.body', MANIFEST_DEFAULTS.body, fail),
    response: sizeField(table.response, 'limits.response', MANIFEST_DEFAULTS.response, fail),
  };
}

const GRANT_KEYS = ['env', 'files', 'allowed_outbound_hosts', 'key_value'];
const GUEST_PATH = /^(\/[A-Za-z0-9._~+-]+)+$|^\/$/;
const STORE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
/** scheme://host[:port], where host may start with `*.` and port may be `*`. */
const OUTBOUND = /^(https?):\/\/(\*\.)?([a-z0-9-]+(\.[a-z0-9-]+)*|\[[0-9a-f:]+\])(:(\d{1,5}|\*))?$/;

function checkGrants(table: Record<string, unknown>, fail: Fail,
  resolvePath: (p: string) => string): AppManifest['grants'] {
  onlyKeys(table, 'grants', GRANT_KEYS, fail);
  return {
    env: checkEnv(table.env ?? {}, fail),
    files: checkFiles(table.files ?? [], fail, resolvePath),
    allowedOutboundHosts: checkOutbound(table.allowed_outbound_hosts ?? [], fail),
    keyValue: checkStores(table.key_value ?? [], fail),
  };
}

function checkEnv(env: unknown, fail: Fail): Record<string, string> {
  if (typeof env !== 'object' || env === null || Array.isArray(env)) {
    fail('grants.env must be a table of NAME = "value"');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env as Record<string, unknown>)) {
    if (!ENV_KEY.test(key)) fail(`grants.env.${key}: names are letters, digits and _`);
    if (typeof value !== 'string') fail(`grants.env.${key} must be a string`);
    out[key] = value as string;
  }
  return out;
}

function checkFiles(raw: unknown, fail: Fail, resolvePath: (p: string) => string) {
  if (!Array.isArray(raw)) {
    return fail('grants.files must be an array of { source = "./dir", guest = "/dir" }');
  }
  return raw.map((entry: unknown, i) => {
    const at = `grants.files[${i}]`;
    if (typeof entry !== 'object' || entry === null) fail(`${at} must be a table`);
    const { source, guest, ...rest } = entry as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) fail(`unknown field '${at}.${extra}'; allowed: source, guest`);
    if (typeof source !== 'string' || source === '') {
      fail(`${at}.source must be a directory path, relative to the manifest`);
    }
    if (typeof guest !== 'string' || !GUEST_PATH.test(guest) || /(^|\/)\.\.?(\/|$)/.test(guest)) {
      fail(`${at}.guest must be an absolute guest path such as '/static', without '.' or '..'`);
    }
    return { source: resolvePath(source as string), guest: guest as string };
  });
}

function checkOutbound(raw: unknown, fail: Fail): string[] {
  if (!Array.isArray(raw)) return fail('grants.allowed_outbound_hosts must be an array');
  return raw.map((entry: unknown, i) => {
    if (typeof entry !== 'string' || !OUTBOUND.test(entry.toLowerCase())) {
      fail(`grants.allowed_outbound_hosts[${i}] must look like 'https://api.example.com', ` +
        `'http://127.0.0.1:8080' or 'https://*.example.com'`);
    }
    const port = /:(\d+)$/.exec(entry as string)?.[1];
    if (port !== undefined && Number(port) > 65535) {
      fail(`grants.allowed_outbound_hosts[${i}] has a port over 65535`);
    }
    return (entry as string).toLowerCase();
  });
}

function checkStores(raw: unknown, fail: Fail): string[] {
  if (!Array.isArray(raw)) return fail('grants.key_value must be an array of store names');
  return raw.map((entry: unknown, i) => {
    if (typeof entry !== 'string' || !STORE_NAME.test(entry)) {
      fail(`grants.key_value[${i}] must be a store name of lower-case letters, digits, - and _`);
    }
    return entry as string;
  });
}

function isInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v);
}

const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3,
};

/** Sizes are integers of bytes or strings such as `64MiB`, `512KB`. */
export function sizeField(raw: unknown, field: string, fallback: number, fail: Fail): number {
  if (raw === undefined) return fallback;
  if (isInteger(raw) && raw > 0) return raw;
  const m = typeof raw === 'string' ? /^(\d+)\s*([a-zA-Z]*)$/.exec(raw.trim()) : null;
  const unit = m ? SIZE_UNITS[(m[2] ?? '').toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    return fail(`${field} must be a positive size such as 1048576, '512KiB' or '16MiB'`);
  }
  return Number(m[1]) * unit;
}

/** Durations are integers of milliseconds or strings such as `1s`, `250ms`. */
export function durationField(raw: unknown, field: string, fallback: number, fail: Fail): number {
  if (raw === undefined) return fallback;
  if (isInteger(raw) && raw > 0) return raw;
  const m = typeof raw === 'string' ? /^(\d+)\s*(ms|s|m)$/.exec(raw.trim()) : null;
  if (!m || Number(m[1]) <= 0) {
    return fail(`${field} must be a positive duration such as 1000, '250ms' or '2s'`);
  }
  const scale = m[2] === 'ms' ? 1 : m[2] === 's' ? 1000 : 60_000;
  return Number(m[1]) * scale;
}
