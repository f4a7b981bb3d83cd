// Turning what a guest set on its response-outparam into the GuestResponse the core sends.

import { WarpError } from '../../src/errors.js';
import type { GuestResponse } from '../guest-types.js';
import type { Exchange } from './http-host.js';

/**
 * The front frames the body it is given and sets content-length itself, so a guest's own
 * content-length is dropped rather than sent twice or wrong.
 */
const FRAMED_BY_FRONT = 'content-length';

export function responseOf(exchange: Exchange): GuestResponse {
  const { response, failure } = exchange;
  if (failure !== null) {
    throw new WarpError('WARP_E_GUEST_TRAP',
      `the guest answered with error-code ${failure.tag} instead of a response`);
  }
  if (response === null) {
    throw new WarpError('WARP_E_BAD_RESPONSE',
      'the guest returned from wasi:http/incoming-handler.handle without setting a response');
  }
  // wasi-http: a body dropped without outgoing-body.finish is an incomplete response. That is
  // how StarlingMonkey answers when a JS handler throws (status 500, body never finished), so it
  // counts as a guest failure, like a trap.
  if (response.bodyTaken && !response.body_.finished) {
    throw new WarpError('WARP_E_GUEST_TRAP', 'the guest did not finish its response body ' +
      `(status ${response.status}); see the app's stderr for the guest's own error`);
  }

  const headers: string[] = [];
  response.fields.flattenInto(headers, FRAMED_BY_FRONT);
  return { status: response.status, headers, body: response.body_.bytes() };
}
