// Every error code has a status in the HTTP error range and serialises without a stack.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { ERROR_CODES, WarpError, warpCodeOf, type WarpErrorCode } from '../src/errors.js';

describe('error codes', () => {
  for (const code of Object.keys(ERROR_CODES) as WarpErrorCode[]) {
    it(`${code} has a status and a JSON body`, () => {
      const err = new WarpError(code, 'what went wrong; what to do');
      assert.match(code, /^WARP_E_[A-Z_]+$/);
      assert.ok(err.status >= 400 && err.status <= 599);
      const body = JSON.parse(err.toBody()) as { error: { code: string; message: string } };
      assert.deepEqual(body, { error: { code, message: 'what went wrong; what to do' } });
      assert.equal(warpCodeOf({ code }), code);
    });
  }

  it('does not take unknown codes off foreign errors', () => {
    assert.equal(warpCodeOf(new Error('x')), null);
    assert.equal(warpCodeOf({ code: 'ENOENT' }), null);
    assert.equal(warpCodeOf(null), null);
  });
});
