// Command-line flags of the daemon: parsed and checked once, then frozen into a NodeConfig.

import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { WarpError } from '../errors.js';

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
  readonly dispatch: 'port' | 'piscina';
}

const FLAG_HELP: ReadonlyArray<readonly [string, string]> = [
  ['--manifests <dir>', 'serve the app manifests (*.toml) in this directory'],
  ['--port <n>', 'HTTP port for apps, 0 picks a free one (default 8443)'],
  ['--host <addr>', 'address to listen on (default 127.0.0.1)'],
  ['--workers <n>', 'worker threads that run guests (default: CPU count)'],
  ['--log-level <level>', `one of ${LOG_LEVELS.join(', ')} (default info)`],
  ['--data-dir <dir>', 'artifacts and caches (default ./.warpgrid)'],
  ['--trust-proxy', 'take client address and scheme from X-Forwarded-* headers'],
  ['--dispatch <lane>', "'port' (default) or 'piscina': how requests reach workers"],
  ['--help', 'print this help and exit'],
  ['--version', 'print the version and exit'],
];

export function helpText(): string {
  const lines = FLAG_HELP.map(([flag, what]) => `  ${flag.padEnd(22)} ${what}`);
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

  const config: NodeConfig = {
    manifests: values.manifests ?? null,
    port: integerFlag('--port', values.port, 8443, 0, 65535),
    host: values.host ?? '127.0.0.1',
    workers: integerFlag('--workers', values.workers, availableParallelism(), 1, 256),
    logLevel: logLevelFlag(values['log-level']),
    dataDir: values['data-dir'] ?? './.warpgrid',
    trustProxy: values['trust-proxy'] === true,
    dispatch: dispatchFlag(values.dispatch),
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
        dispatch: { type: 'string' },
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
