// WAGI output parsing: status, location, and every way a guest's head can be malformed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseWagiOutput } from '../workers/wagi/wagi-response.js';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

function bad(out: string, reason: RegExp): void {
  assert.throws(() => parseWagiOutput(enc(out)), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'WARP_E_BAD_RESPONSE');
    assert.match(err.message, reason);
    return true;
  });
}

describe('WAGI output', () => {
  it('reads headers and body with LF line ends', () => {
    const r = parseWagiOutput(enc('Content-Type: text/plain\nX-A: 1\n\nhello\n\nworld'));
    assert.equal(r.status, 200);
    assert.deepEqual(r.headers, ['content-type', 'text/plain', 'x-a', '1']);
    assert.equal(dec(r.body), 'hello\n\nworld');
  });

  it('reads CRLF line ends', () => {
    const r = parseWagiOutput(enc('content-type: text/html\r\n\r\n<p>'));
    assert.deepEqual(r.headers, ['content-type', 'text/html']);
    assert.equal(dec(r.body), '<p>');
  });

  it('takes the status line and drops it from the headers', () => {
    const r = parseWagiOutput(enc('status: 404 Not Found\ncontent-type: text/plain\n\nnope'));
    assert.equal(r.status, 404);
    assert.deepEqual(r.headers, ['content-type', 'text/plain']);
  });

  it('answers a bare location with 302', () => {
    const r = parseWagiOutput(enc('location: /elsewhere\n\n'));
    assert.equal(r.status, 302);
    assert.deepEqual(r.headers, ['location', '/elsewhere']);
  });

  it('keeps an explicit status with a location', () => {
    assert.equal(parseWagiOutput(enc('status: 301\nlocation: /x\n\n')).status, 301);
  });

  it('accepts a status without a content-type', () => {
    assert.equal(parseWagiOutput(enc('status: 204\n\n')).status, 204);
  });

  it('drops framing headers the node sets itself', () => {
    const r = parseWagiOutput(enc('content-type: a/b\ncontent-length: 99\nconnection: close\n\n'));
    assert.deepEqual(r.headers, ['content-type', 'a/b']);
  });

  it('rejects output with no content-type, location or status', () => {
    bad('x-a: 1\n\nbody', /no content-type, location or status/);
  });
  it('rejects a line without a colon', () => {
    bad('content-type text/plain\n\n', /no 'name: value'/);
  });
  it('rejects a name that is not a token', () => bad('bad name: 1\n\n', /not an HTTP token/));
  it('rejects a bare CR inside a value', () => {
    bad('content-type: text/plain\nx-evil: a\rinjected: yes\n\n', /CR, LF or control/);
  });
  it('rejects a NUL inside a value', () => bad('content-type: a\0b\n\n', /CR, LF or control/));
  it('rejects status 99 and 1000', () => {
    bad('status: 99\ncontent-type: a/b\n\n', /status '99' is not a code from 100 to 599/);
    bad('status: 1000\ncontent-type: a/b\n\n', /status '1000'/);
    bad('status: abc\ncontent-type: a/b\n\n', /status 'abc'/);
  });
  it('rejects empty output', () => bad('', /wrote nothing/));
  it('rejects a head with no blank line', () => bad('content-type: a/b\n', /no blank line/));
  it('rejects an empty head', () => bad('\nbody', /empty head/));
});
