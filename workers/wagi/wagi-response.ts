// Parses what a WAGI guest wrote to stdout: header lines, a blank line, then the body.
// The rules follow the WAGI spec (deislabs/wagi docs/writing_modules.md) and RFC 9110 §5 for
// field names and values: a bad line is the guest's fault and becomes a 502, never a pass-through.

import { WarpError } from '../../src/errors.js';
import type { GuestResponse } from '../guest-types.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Field values may hold visible ASCII, spaces, tabs and obs-text, nothing else (no CR, LF, NUL).
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
// The guest's framing headers are replaced by the node's own.
const HOP_BY_HOP = new Set([
  'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'trailer',
]);
const LF = 0x0a;
const CR = 0x0d;
const MAX_HEAD_BYTES = 64 * 1024;
const latin1 = new TextDecoder('latin1');

export function parseWagiOutput(out: Uint8Array): GuestResponse {
  const { headEnd, bodyStart } = findHeadEnd(out);
  const lines = latin1.decode(out.subarray(0, headEnd)).split('\n');

  let status = 0;
  let hasContentType = false;
  let hasLocation = false;
  const headers: string[] = [];

  for (const rawLine of lines) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`header line '${clip(line)}' has no 'name: value' form`);

    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!TOKEN.test(name)) throw bad(`header name '${clip(name)}' is not an HTTP token`);
    if (!FIELD_VALUE.test(value)) {
      throw bad(`header '${name}' has a value with CR, LF or control characters`);
    }

    if (name === 'status') {
      status = parseStatus(value);
    } else if (!HOP_BY_HOP.has(name)) {
      if (name === 'content-type') hasContentType = true;
      if (name === 'location') hasLocation = true;
      headers.push(name, value);
    }
  }

  if (status === 0) {
    if (hasLocation) status = 302;
    else if (hasContentType) status = 200;
    else throw bad('the guest wrote no content-type, location or status header');
  }
  return { status, headers, body: out.subarray(bodyStart) };
}

/** The head ends at the first empty line (LF LF or CRLF CRLF). */
function findHeadEnd(out: Uint8Array): { headEnd: number; bodyStart: number } {
  const limit = Math.min(out.length, MAX_HEAD_BYTES);
  let lineStart = 0;
  for (let i = 0; i < limit; i++) {
    if (out[i] !== LF) continue;
    const lineLen = i - lineStart;
    if (lineLen === 0 || (lineLen === 1 && out[lineStart] === CR)) {
      if (lineStart === 0) throw bad('the guest wrote an empty head: no headers before the body');
      const headEnd = lineStart - (out[lineStart - 2] === CR ? 2 : 1);
      return { headEnd, bodyStart: i + 1 };
    }
    lineStart = i + 1;
  }
  if (out.length === 0) throw bad('the guest wrote nothing to stdout');
  throw bad('the guest wrote no blank line after its headers');
}

function parseStatus(value: string): number {
  const m = /^(\d{3})(\s.*)?$/.exec(value);
  const code = m ? Number(m[1]) : NaN;
  if (!(code >= 100 && code <= 599)) {
    throw bad(`status '${clip(value)}' is not a code from 100 to 599`);
  }
  return code;
}

function bad(reason: string): WarpError {
  return new WarpError('WARP_E_BAD_RESPONSE', `bad WAGI response: ${reason}`);
}

function clip(s: string): string {
  const printable = s.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 60 ? `${printable.slice(0, 60)}…` : printable;
}
