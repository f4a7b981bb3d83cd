// Every error a user can cause, with a stable code, an HTTP status and a message that says what
// to do. The table is walked by test/errors.test.ts so that no code goes unused or untested.

export const ERROR_CODES = {
  WARP_E_BAD_FLAG: 400,
  WARP_E_BAD_REQUEST: 400,
  WARP_E_BAD_MANIFEST: 400,
  WARP_E_BAD_ARTIFACT: 400,
  WARP_E_UNKNOWN_IMPORT: 400,
  WARP_E_BAD_GRANT: 400,
  WARP_E_UNAUTHORIZED: 401,
  WARP_E_NO_SUCH_APP: 404,
  WARP_E_NAME_TAKEN: 409,
  WARP_E_BODY_TOO_LARGE: 413,
  WARP_E_GUEST_TRAP: 500,
  WARP_E_GUEST_EXIT: 500,
  WARP_E_STORE: 500,
  WARP_E_INTERNAL: 500,
  WARP_E_NO_NATIVE_UWS: 500,
  WARP_E_BAD_RESPONSE: 502,
  WARP_E_RESPONSE_TOO_LARGE: 502,
  WARP_E_OVERLOADED: 503,
  WARP_E_DRAINING: 503,
  WARP_E_WORKER_LOST: 503,
  WARP_E_TIMEOUT: 504,
} as const;

export type WarpErrorCode = keyof typeof ERROR_CODES;

export class WarpError extends Error {
  readonly code: WarpErrorCode;
  readonly status: number;

  constructor(code: WarpErrorCode, message: string) {
    super(message);
    this.name = 'WarpError';
    this.code = code;
    this.status = ERROR_CODES[code];
  }

  /** The JSON body a client sees: the code and the message, never a stack. */
  toBody(): string {
    return JSON.stringify({ error: { code: this.code, message: this.message } });
  }
}

export function isWarpError(err: unknown): err is WarpError {
  return err instanceof WarpError;
}

/** Reads the code off an error that may have crossed a thread boundary as a plain object. */
export function warpCodeOf(err: unknown): WarpErrorCode | null {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in ERROR_CODES ? (code as WarpErrorCode) : null;
}
