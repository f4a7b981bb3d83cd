// The load generator: wrk 4.1 from Debian (C, epoll, one thread), driven for a fixed time and
// read through a Lua hook that prints its figures as JSON. wrk is used instead of autocannon
// because on a 2-core machine the client shares the CPU with the server, and wrk needs less of it.

import { execFile } from 'node:child_process';

import { WRK_BIN, WRK_REPORT_LUA } from './paths.js';

export const LOAD_GENERATOR = 'wrk 4.1.0 (Debian), 1 thread, HTTP/1.1 keep-alive';

export interface LoadResult {
  connections: number;
  durationS: number;
  /** Answers in 2xx or 3xx per second: a failed request is not throughput. */
  rps: number;
  /** Over every answered request, failed ones included (wrk does not separate them). */
  p50Us: number;
  p99Us: number;
  requests: number;
  /** Socket errors and timeouts. */
  errors: number;
  /** Answers outside 2xx and 3xx. */
  non2xx: number;
}

interface WrkReport {
  requests: number;
  durationUs: number;
  p50Us: number;
  p99Us: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

export function runLoad(port: number, path: string, connections: number,
  durationS: number): Promise<LoadResult> {
  const args = ['-t1', `-c${connections}`, `-d${durationS}s`, '--timeout', '5s',
    '-s', WRK_REPORT_LUA, `http://127.0.0.1:${port}${path}`];
  // wrk stops by itself after -d; the kill deadline only guards against a hung client.
  const killAfterMs = (durationS + 15) * 1000;
  return new Promise((resolve, reject) => {
    execFile(WRK_BIN, args, { timeout: killAfterMs }, (err, stdout, stderr) => {
      if (err !== null) return reject(new Error(`wrk failed: ${err.message} ${stderr}`));
      const line = stdout.split('\n').reverse().find((l) => l.startsWith('{'));
      if (line === undefined) return reject(new Error(`wrk printed no report: ${stdout}`));
      resolve(toResult(JSON.parse(line) as WrkReport, connections, durationS));
    });
  });
}

function toResult(report: WrkReport, connections: number, durationS: number): LoadResult {
  const e = report.errors;
  return {
    connections,
    durationS,
    rps: (report.requests - e.status) / (report.durationUs / 1e6),
    p50Us: report.p50Us,
    p99Us: report.p99Us,
    requests: report.requests,
    errors: e.connect + e.read + e.write + e.timeout,
    non2xx: e.status,
  };
}
