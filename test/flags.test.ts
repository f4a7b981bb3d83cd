// The daemon's flags: --help lists every flag, and a bad flag exits 2 with one line naming it.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

import { helpText, parseFlags } from '../src/config/flags.js';
import { MAIN, ROOT } from './helpers/node-process.js';

function run(args: string[]) {
  return spawnSync(process.execPath, [MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });
}

describe('daemon flags', () => {
  it('prints every flag with --help and exits 0', () => {
    const out = run(['--help']);
    assert.equal(out.status, 0);
    for (const flag of ['--manifests', '--port', '--host', '--workers', '--log-level',
      '--data-dir', '--trust-proxy', '--admin-port', '--drain-timeout', '--dispatch']) {
      assert.ok(out.stdout.includes(flag), `${flag} in --help`);
    }
    assert.equal(out.stdout, helpText());
  });

  const bad: Array<[string[], RegExp]> = [
    [['--bogus'], /Unknown option '--bogus'.*--help/],
    [['--port', '70000'], /--port must be an integer from 0 to 65535, got '70000'/],
    [['--workers', '0'], /--workers must be an integer from 1/],
    [['--log-level', 'loud'], /--log-level must be one of/],
    [['--dispatch', 'carrier-pigeon'], /--dispatch must be 'port' or 'piscina'/],
    [['stray'], /positional|Unexpected argument/i],
  ];
  for (const [args, message] of bad) {
    it(`exits 2 with one line for ${args.join(' ')}`, () => {
      const out = run(args);
      assert.equal(out.status, 2);
      const lines = out.stderr.trim().split('\n');
      assert.equal(lines.length, 1, out.stderr);
      assert.match(lines[0] as string, message);
    });
  }

  it('warns and refuses to serve when uWS falls back to its JS copy', async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dataDir = await mkdtemp(join(tmpdir(), 'warp-data-'));
    const out = spawnSync(process.execPath, [MAIN, '--port', '0', '--admin-port', '0',
      '--data-dir', dataDir], {
      cwd: ROOT, encoding: 'utf8', env: { ...process.env, UWS_USE_FALLBACK: '1' },
    });
    assert.equal(out.status, 1);
    const lines = out.stdout.split('\n').filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; code?: string });
    assert.ok(lines.some((l) => l.level === 40 && /native binding did not load/.test(l.msg)));
    assert.ok(lines.some((l) => l.level === 60 && l.code === 'WARP_E_NO_NATIVE_UWS'));
  });

  it('defaults to loopback, port 8443 and the port dispatch lane', () => {
    const parsed = parseFlags([]);
    assert.equal(parsed.kind, 'run');
    if (parsed.kind !== 'run') return;
    assert.equal(parsed.config.host, '127.0.0.1');
    assert.equal(parsed.config.port, 8443);
    assert.equal(parsed.config.dispatch, 'port');
  });
});
