// Manifest validation: every rule gives a message that names the file and the field.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { parseManifestToml } from '../src/config/manifest.js';

const where = 'manifests/x.toml';
const parse = (text: string) => parseManifestToml(text, where, (p) => `/abs/${p}`);
const base = 'name = "x"\nmodule = "x.wasm"\n';

function rejects(text: string, message: RegExp): void {
  assert.throws(() => parse(text), (err: Error & { code?: string }) => {
    assert.equal(err.code, 'WARP_E_BAD_MANIFEST');
    assert.match(err.message, /^manifests\/x\.toml: /);
    assert.match(err.message, message);
    return true;
  });
}

describe('manifest validation', () => {
  it('fills defaults and resolves the module against the manifest', () => {
    const m = parse(base);
    assert.equal(m.module, '/abs/x.wasm');
    assert.equal(m.route, '/r/x');
    assert.deepEqual(m.scale, { min: 1, max: 64, reuse: false, recycle: 'reset', idle: 30_000 });
    assert.equal(m.limits.timeout, 1000);
    assert.equal(m.limits.memory, 128 * 1024 * 1024);
    assert.deepEqual(m.grants.env, {});
  });

  it('reads sizes and durations with units', () => {
    const m = parse(`${base}[limits]\nmemory = "16MiB"\ntimeout = "250ms"\nbody = 2048\n`);
    assert.equal(m.limits.memory, 16 * 1024 * 1024);
    assert.equal(m.limits.timeout, 250);
    assert.equal(m.limits.body, 2048);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['bad TOML', 'name = "x', /not valid TOML/],
    ['unknown top field', `${base}colour = "red"`, /unknown field 'colour'/],
    ['missing name', 'module = "x.wasm"', /name must be/],
    ['bad name', 'name = "Hello World"\nmodule = "x.wasm"', /name must be/],
    ['missing module', 'name = "x"', /module must be the path/],
    ['bad route', `${base}route = "no-slash"`, /route must be a path prefix/],
    ['reserved route', `${base}route = "/_warp/x"`, /route must be a path prefix/],
    ['bad host', `${base}hosts = ["Bad Host"]`, /hosts\[0\] must be/],
    ['bad abi', `${base}abi = "cgi"`, /abi must be 'wagi' or 'wasi-http'/],
    ['negative min', `${base}[scale]\nmin = -1`, /scale\.min must be a non-negative integer/],
    ['fractional min', `${base}[scale]\nmin = 1.5`, /scale\.min must be a non-negative integer/],
    ['zero max', `${base}[scale]\nmax = 0`, /scale\.max must be a positive integer/],
    ['max below min', `${base}[scale]\nmin = 5\nmax = 2`, /scale\.max must not be less/],
    ['bad reuse', `${base}[scale]\nreuse = "yes"`, /scale\.reuse must be true or false/],
    ['bad recycle', `${base}[scale]\nrecycle = "never"`, /scale\.recycle must be/],
    ['bad idle', `${base}[scale]\nidle = "soon"`, /scale\.idle must be a positive duration/],
    ['unknown scale field', `${base}[scale]\nmni = 1`, /unknown field 'scale\.mni'/],
    ['bad memory', `${base}[limits]\nmemory = "lots"`, /limits\.memory must be a positive size/],
    ['tiny memory', `${base}[limits]\nmemory = 100`, /limits\.memory must be from 64KiB/],
    ['bad timeout', `${base}[limits]\ntimeout = "1h"`, /limits\.timeout must be a positive/],
    ['bad body', `${base}[limits]\nbody = -5`, /limits\.body must be a positive size/],
    ['scale not a table', `${base}scale = 3`, /scale must be a table/],
    ['env not a table', `${base}[grants]\nenv = "A=1"`, /grants\.env must be a table/],
    ['env value not string', `${base}[grants]\nenv = { A = 1 }`, /grants\.env\.A must be a string/],
  ];
  for (const [what, text, message] of cases) {
    it(`rejects ${what}`, () => rejects(text, message));
  }
});
