// The node's pino logger. Log calls put the object first and a short fixed message after it.

import { pino, type Logger } from 'pino';

import type { LogLevel } from './config/flags.js';

export function createLogger(level: LogLevel): Logger {
  return pino({ level, base: { pid: process.pid } });
}
