// The admin API's bearer token: made on first start from crypto random bytes, kept in a file that
// only the node's user can read, and compared in constant time.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { Logger } from 'pino';

import { WarpError } from '../errors.js';

/** 32 random bytes: guessing is out of reach, and base64url keeps it header-safe. */
const TOKEN_BYTES = 32;

export async function loadOrCreateToken(file: string, log: Logger): Promise<string> {
  const existing = await readToken(file);
  if (existing !== null) {
    await warnIfShared(file, log);
    return existing;
  }

  const token = randomBytes(TOKEN_BYTES).toString('base64url');
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': if another process made the file meanwhile, keep its token rather than replace it.
    await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw tokenFileError(file, err);
    return (await readToken(file)) as string;
  }
  log.info({ file }, 'admin token created');
  return token;
}

async function readToken(file: string): Promise<string | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw tokenFileError(file, err);
  }
  const token = text.trim();
  if (!/^[\x21-\x7e]{16,}$/.test(token)) {
    throw new WarpError('WARP_E_BAD_FLAG', `admin token file ${file} does not hold a token of ` +
      'at least 16 printable characters; delete it to have a new one made');
  }
  return token;
}

async function warnIfShared(file: string, log: Logger): Promise<void> {
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    log.warn({ file, mode: (mode & 0o777).toString(8) },
      'admin token file is readable by other users; chmod 600 it');
  }
}

function tokenFileError(file: string, err: unknown): WarpError {
  return new WarpError('WARP_E_BAD_FLAG', `cannot use admin token file ${file} ` +
    `(${(err as NodeJS.ErrnoException).code}); fix its permissions or pass --admin-token-file`);
}

/**
 * Checks an Authorization header against the token. Both sides are hashed first, so the
 * comparison takes the same time whatever the length or content of the header.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice(7).trim() : '';
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && presented !== '';
}
