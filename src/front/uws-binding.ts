// Loads uWebSockets.js and tells whether its native binding loaded. The package's loader quietly
// falls back to a slow pure-JS copy when the native binary cannot load; WarpGrid reports that.

import { createRequire } from 'node:module';

import type * as Uws from 'uWebSockets.js';

const require = createRequire(import.meta.url);

export interface UwsBinding {
  uws: typeof Uws;
  native: boolean;
  /** The native file that loaded, or why the fallback was used. */
  detail: string;
}

export function loadUws(): UwsBinding {
  const warn = console.warn;
  const warnings: string[] = [];
  // The loader explains a fallback with console.warn; keep that text for our own log.
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  let uws: typeof Uws;
  try {
    uws = require('uWebSockets.js') as typeof Uws;
  } finally {
    console.warn = warn;
  }

  const nativeFile = Object.keys(require.cache).find((k) => /[/\\]uws_[^/\\]+\.node$/.test(k));
  if (nativeFile !== undefined) return { uws, native: true, detail: nativeFile };
  const reason = warnings.join(' ').replace(/\s+/g, ' ').trim() || 'UWS_USE_FALLBACK is set';
  return { uws, native: false, detail: reason };
}
