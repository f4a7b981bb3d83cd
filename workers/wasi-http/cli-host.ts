// wasi:cli for component guests: the granted environment, stdout and stderr as log lines, an
// empty stdin, exit as the end of the instance, and no terminal. Spec: WebAssembly/wasi-cli 0.2.

import { WarpError } from '../../src/errors.js';
import type { AppGrants } from '../guest-types.js';
import { InputStream, OutputStream } from './io-host.js';

export type LogFn = (stream: 'stdout' | 'stderr', line: string) => void;

/** A line longer than this is logged in pieces, so a guest cannot grow the buffer without end. */
const MAX_LINE = 16 * 1024;

const decoder = new TextDecoder();

/** Collects a guest's stdout or stderr and hands it to the log a line at a time. */
export class LineLog {
  private pending = '';

  constructor(private readonly stream: 'stdout' | 'stderr', private readonly log: LogFn) {}

  append(bytes: Uint8Array): void {
    let text = this.pending + decoder.decode(bytes, { stream: true });
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      this.log(this.stream, text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    while (text.length > MAX_LINE) {
      this.log(this.stream, text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.pending = text;
  }

  /** Logs what is left of an unfinished line; called when a request ends. */
  flush(): void {
    if (this.pending === '') return;
    this.log(this.stream, this.pending);
    this.pending = '';
  }
}

/** stdout or stderr as an output-stream. */
export class LogStream extends OutputStream {
  constructor(private readonly lines: LineLog) {
    super();
  }

  protected accept(bytes: Uint8Array): void {
    this.lines.append(bytes);
  }
}

/** wasi:cli/exit ends the guest; the instance is thrown away and the request fails. */
export class GuestExit extends WarpError {
  constructor(readonly ok: boolean) {
    super('WARP_E_GUEST_EXIT', `the guest called wasi:cli/exit (${ok ? 'ok' : 'err'}) ` +
      'instead of returning from wasi:http/incoming-handler.handle');
  }
}

/** There is no terminal: these resources exist for the glue's type checks and are never made. */
class TerminalInput {}
class TerminalOutput {}

const EMPTY = new Uint8Array(0);

export function cliInterfaces(grants: AppGrants, stdout: LineLog,
  stderr: LineLog): Record<string, object> {
  const environment = Object.freeze(Object.entries(grants.env));
  return {
    'wasi:cli/environment': {
      getEnvironment: () => environment,
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    'wasi:cli/exit': {
      exit: (status: { tag: string }) => {
        throw new GuestExit(status.tag === 'ok');
      },
      exitWithCode: (code: number) => {
        throw new GuestExit(code === 0);
      },
    },
    'wasi:cli/stdin': { getStdin: () => new InputStream(EMPTY) },
    'wasi:cli/stdout': { getStdout: () => new LogStream(stdout) },
    'wasi:cli/stderr': { getStderr: () => new LogStream(stderr) },
    'wasi:cli/terminal-input': { TerminalInput },
    'wasi:cli/terminal-output': { TerminalOutput },
    'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
    'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
    'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
  };
}
