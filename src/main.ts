// The daemon's entry: parse flags, start a node, and stop it cleanly on SIGTERM or SIGINT.

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

  const stop = (signal: string) => {
    log.info({ signal }, 'stopping');
    node.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}
