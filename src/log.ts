// The node's pino logger. Log calls put the object first and a short fixed message after it.
// Lines are JSON unless stdout is a terminal; then pino-pretty prints them readable. The check
// is on fd 1 itself, so worker threads, whose process.stdout is a pipe to the main thread, make
// the same choice.

import { createRequire } from 'node:module';
import { isatty } from 'node:tty';

import { pino, type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

const require = createRequire(import.meta.url);

export function createLogger(level: string, base: object = { pid: process.pid }): Logger {
  if (!isatty(1)) return pino({ level, base });
  // Loaded only for a terminal, so nodes that log JSON (and each of their workers) skip it.
  const { build } = require('pino-pretty') as typeof PinoPretty;
  return pino({ level, base }, build({
    colorize: true, singleLine: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname',
    sync: true,
  }));
}
