// The daemon's entry: parse flags, start a node, and on SIGTERM or SIGINT drain it and exit 0.

import type { Logger } from 'pino';

import { WarpError } from './errors.js';
import { helpText, parseFlags } from './config/flags.js';
import { createLogger } from './log.js';
import { WarpNode } from './node.js';
import { VERSION } from './version.js';

export async function main(argv: string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseFlags(argv);
  } catch (err) {
    process.stderr.write(`warpgrid: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (parsed.kind === 'help') return void process.stdout.write(helpText());
  if (parsed.kind === 'version') return void process.stdout.write(`${VERSION}\n`);

  const log = createLogger(parsed.config.logLevel);
  const node = new WarpNode(parsed.config, log);
  try {
    await node.start();
  } catch (err) {
    const code = err instanceof WarpError ? err.code : 'WARP_E_START';
    log.fatal({ code, err: err instanceof WarpError ? undefined : err }, (err as Error).message);
    await node.close();
    process.exit(1);
  }
  stopOnSignals(node, log);
}

function stopOnSignals(node: WarpNode, log: Logger): void {
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal; exiting without waiting for in-flight requests');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal, drainTimeoutMs: node.config.drainTimeout }, 'draining');
    const { left, ms } = await node.drain(node.config.drainTimeout);
    if (left > 0) log.warn({ left, ms }, 'drain timed out; in-flight requests are cut off');
    else log.info({ ms }, 'drained');
    await node.close();
    log.info('stopped');
    process.exit(0);
  };
  const onSignal = (signal: string) => {
    stop(signal).catch((err: unknown) => {
      log.error({ err }, 'stopping failed');
      process.exit(1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
