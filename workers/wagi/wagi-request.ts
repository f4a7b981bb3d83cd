// Turns a request into what a WAGI guest reads: CGI variables plus the granted env, and argv.
// Variables follow RFC 3875 §4.1 and the WAGI additions (X_MATCHED_ROUTE, X_FULL_URL, …).

import type { GuestRequest } from '../guest-types.js';

const encoder = new TextEncoder();
const VERSION = process.env.WARPGRID_VERSION ?? '0';

/** NUL-terminated strings in one buffer, as environ_get and args_get copy them. */
export interface CStrings {
  bytes: Uint8Array;
  count: number;
}

export function cgiEnviron(req: GuestRequest, granted: Record<string, string>): CStrings {
  const pairs: string[] = [
    `REQUEST_METHOD=${req.method}`,
    `PATH_INFO=${req.pathInfo}`,
    `QUERY_STRING=${req.query}`,
    `SCRIPT_NAME=${req.scriptName}`,
    `SERVER_NAME=${req.serverName}`,
    `SERVER_PORT=${req.serverPort}`,
    `SERVER_PROTOCOL=HTTP/1.1`,
    `SERVER_SOFTWARE=WarpGrid/${VERSION}`,
    `GATEWAY_INTERFACE=CGI/1.1`,
    `REMOTE_ADDR=${req.remoteAddr}`,
    `REMOTE_HOST=${req.remoteAddr}`,
    `CONTENT_LENGTH=${req.body.length}`,
    `X_MATCHED_ROUTE=${req.scriptName === '' ? '/' : `${req.scriptName}/...`}`,
    `X_FULL_URL=${req.scheme}://${req.authority}${req.url}${req.query ? `?${req.query}` : ''}`,
    `X_RAW_PATH_INFO=${req.pathInfo}`,
    `X_REQUEST_ID=${req.requestId}`,
  ];
  if (req.scheme === 'https') pairs.push('HTTPS=on');
  pushHeaders(pairs, req.headers);
  for (const key in granted) pairs.push(`${key}=${granted[key]}`);
  return cStrings(pairs);
}

/** WAGI passes the path, then each `&`-separated query part, as argv. */
export function wagiArgv(req: GuestRequest): CStrings {
  const args = [req.scriptName + req.pathInfo];
  if (req.query !== '') {
    for (const part of req.query.split('&')) args.push(safeDecode(part.replace(/\+/g, ' ')));
  }
  return cStrings(args);
}

/** HTTP_<NAME> for every header; repeated headers are joined with ', ' (RFC 9110 §5.3). */
function pushHeaders(pairs: string[], headers: string[]): void {
  const seen = new Map<string, string>();
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i] as string;
    const value = headers[i + 1] as string;
    if (name === 'content-type') pairs.push(`CONTENT_TYPE=${value}`);
    const prior = seen.get(name);
    seen.set(name, prior === undefined ? value : `${prior}, ${value}`);
  }
  for (const [name, value] of seen) {
    pairs.push(`HTTP_${name.toUpperCase().replace(/-/g, '_')}=${value}`);
  }
}

function cStrings(list: string[]): CStrings {
  const bytes = encoder.encode(`${list.join('\0')}\0`);
  return { bytes, count: list.length };
}

function safeDecode(s: string): string {
  try {
    const decoded = decodeURIComponent(s);
    // A NUL would split one argument into two in the NUL-separated argv.
    return decoded.includes('\0') ? s : decoded;
  } catch {
    return s;
  }
}
