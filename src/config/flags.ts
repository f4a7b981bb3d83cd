// Command-line flags of the daemon: parsed and checked once, then frozen into a NodeConfig.

import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { WarpError } from '../errors.js';
import { durationField } from './manifest.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface NodeConfig {
  readonly manifests: string | null;
  readonly port: number;
  readonly host: string;
  readonly workers: number;
  readonly logLevel: LogLevel;
  readonly dataDir: string;
  readonly trustProxy: boolean;
  /** Log one info line per request (app, method, path, status, ms, requestId). */
  readonly accessLog: boolean;
  readonly dispatch: 'port' | 'piscina';
  readonly adminHost: string;
  readonly adminPort: number;
  /** Where the admin API's bearer token lives: read if it exists, else created. */
  readonly adminTokenFile: string;
  /** How long a SIGTERM waits for in-flight requests, in ms. */
  readonly drainTimeout: number;
}

const FLAG_HELP: ReadonlyArray<readonly [string, string]> = [
  ['--manifests <dir>', 'serve the app manifests (*.toml) in this directory'],
  ['--port <n>', 'HTTP port for apps, 0 picks a free one (default 8443)'],
  ['--host <addr>', 'address to listen on (default 127.0.0.1)'],
  ['--workers <n>', 'worker threads that run guests (default: CPU count)'],
  ['--log-level <level>', `one of ${LOG_LEVELS.join(', ')} (default info)`],
  ['--data-dir <dir>', 'artifacts, deployments and caches (default ./.warpgrid)'],
  ['--trust-proxy', 'take client address and scheme from X-Forwarded-* headers'],
  ['--access-log', 'log one line per request at info level (default off)'],
  ['--dispatch <lane>', "'port' (default) or 'piscina': how requests reach workers"],
  ['--admin-host <addr>', 'address of the admin API (default 127.0.0.1)'],
  ['--admin-port <n>', 'port of the admin API, 0 picks a free one (default 8444)'],
  ['--admin-token-file <f>', 'bearer token of the admin API (default <data-dir>/admin-token)'],
  ['--drain-timeout <t>', "on SIGTERM, wait this long for in-flight requests (default '10s')"],
  ['--help', 'print this help and exit'],
  ['--version', 'print the version and exit'],
];

export function helpText(): string {
  const lines = FLAG_HELP.map(([flag, what]) => `  ${flag.padEnd(24)} ${what}`);
  return ['Usage: node dist/main.js --manifests ./manifests [flags]', '', ...lines, ''].join('\n');
}

export type ParsedFlags =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; config: NodeConfig };

export function parseFlags(argv: string[]): ParsedFlags {
  const values = readArgs(argv);
  if (values.help === true) return { kind: 'help' };
  if (values.version === true) return { kind: 'version' };

  const dataDir = values['data-dir'] ?? './.warpgrid';
  const config: NodeConfig = {
    manifests: values.manifests ?? null,
    port: integerFlag('--port', values.port, 8443, 0, 65535),
    host: values.host ?? '127.0.0.1',
    workers: integerFlag('--workers', values.workers, availableParallelism(), 1, 256),
    logLevel: logLevelFlag(values['log-level']),
    dataDir,
    trustProxy: values['trust-proxy'] === true,
    accessLog: values['access-log'] === true,
    dispatch: dispatchFlag(values.dispatch),
    adminHost: values['admin-host'] ?? '127.0.0.1',
    adminPort: integerFlag('--admin-port', values['admin-port'], 8444, 0, 65535),
    adminTokenFile: values['admin-token-file'] ?? join(dataDir, 'admin-token'),
    drainTimeout: drainTimeoutFlag(values['drain-timeout']),
  };
  return { kind: 'run', config: Object.freeze(config) };
}

function readArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        manifests: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        workers: { type: 'string' },
        'log-level': { type: 'string' },
        'data-dir': { type: 'string' },
        'trust-proxy': { type: 'boolean' },
        'access-log': { type: 'boolean' },
        dispatch: { type: 'string' },
        'admin-host': { type: 'string' },
        'admin-port': { type: 'string' },
        'admin-token-file': { type: 'string' },
        'drain-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    }).values;
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0] ?? 'unreadable flags';
    throw new WarpError('WARP_E_BAD_FLAG', `${reason}; run with --help to see every flag`);
  }
}

function integerFlag(
  flag: string, raw: string | undefined, fallback: number, min: number, max: number,
): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) {
    throw new WarpError('WARP_E_BAD_FLAG', `${flag} must be an integer from ${min} to ${max}, ` +
      `got '${raw}'`);
  }
  return n;
}

function logLevelFlag(raw: string | undefined): LogLevel {
  if (raw === undefined) return 'info';
  if ((LOG_LEVELS as readonly string[]).includes(raw)) return raw as LogLevel;
  throw new WarpError('WARP_E_BAD_FLAG', `--log-level must be one of ${LOG_LEVELS.join(', ')}, ` +
    `got '${raw}'`);
}

function dispatchFlag(raw: string | undefined): 'port' | 'piscina' {
  if (raw === undefined || raw === 'port' || raw === 'piscina') return raw ?? 'port';
  throw new WarpError('WARP_E_BAD_FLAG', `--dispatch must be 'port' or 'piscina', got '${raw}'`);
}

function drainTimeoutFlag(raw: string | undefined): number {
  const fail = (): never => {
    throw new WarpError('WARP_E_BAD_FLAG', `--drain-timeout must be a duration such as '10s', ` +
      `'500ms' or 0, got '${raw}'`);
  };
  if (raw === undefined) return 10_000;
  if (/^\d+$/.test(raw)) return Number(raw);
  return durationField(raw, '--drain-timeout', 10_000, fail);
}
