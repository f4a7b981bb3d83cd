// Turns `warp deploy` flags (and an optional manifest file) into what the admin API takes: the
// artifact's bytes and the manifest fields. The fields are checked here with the node's own
// rules, so a mistake is reported before a large upload, naming the flag or field.

import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

import { parse as parseToml } from 'smol-toml';

import { checkManifest } from '../config/manifest.js';
import { CliError, usageError } from './cli-error.js';

export interface DeployFlags {
  file: string | undefined;
  manifest: string | undefined;
  name: string | undefined;
  route: string | undefined;
  min: string | undefined;
  max: string | undefined;
  memory: string | undefined;
  timeout: string | undefined;
  env: string[];
  allowHost: string[];
  files: string[];
}

export interface DeployRequest {
  name: string;
  artifactPath: string;
  bytes: Uint8Array;
  /** The manifest fields without `module`; paths in them are absolute. */
  doc: Record<string, unknown>;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function deployRequest(flags: DeployFlags): DeployRequest {
  const { doc, artifactPath } = flags.manifest === undefined
    ? { doc: {}, artifactPath: requireFile(flags.file) }
    : fromManifestFile(flags.manifest, flags.file);

  doc.name = flags.name ?? doc.name ?? defaultName(artifactPath);
  if (flags.route !== undefined) doc.route = flags.route;
  const scale = table(doc, 'scale');
  if (flags.min !== undefined) scale.min = integer('--min', flags.min);
  if (flags.max !== undefined) scale.max = integer('--max', flags.max);
  const limits = table(doc, 'limits');
  if (flags.memory !== undefined) limits.memory = sizeOrText(flags.memory);
  if (flags.timeout !== undefined) limits.timeout = sizeOrText(flags.timeout);
  addGrants(table(doc, 'grants'), flags);
  for (const key of ['scale', 'limits', 'grants']) {
    if (Object.keys(doc[key] as object).length === 0) delete doc[key];
  }

  const where = flags.manifest ?? 'warp deploy';
  const name = checkLocally(doc, artifactPath, where);
  return { name, artifactPath, bytes: readArtifact(artifactPath), doc };
}

function fromManifestFile(file: string, override: string | undefined) {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message.split('\n')[0];
    throw usageError(`--manifest ${file}: cannot be read as TOML (${reason})`);
  }
  const base = dirname(resolve(file));
  const module = doc.module;
  delete doc.module;
  if (override === undefined && typeof module !== 'string') {
    throw usageError(`${file}: module must name the .wasm file, or pass the file to warp deploy`);
  }
  const grants = doc.grants as { files?: unknown } | undefined;
  if (Array.isArray(grants?.files)) {
    for (const entry of grants.files as Array<{ source?: unknown }>) {
      if (typeof entry?.source === 'string') entry.source = resolve(base, entry.source);
    }
  }
  return { doc, artifactPath: override ?? resolve(base, module as string) };
}

function addGrants(grants: Record<string, unknown>, flags: DeployFlags): void {
  if (flags.env.length > 0) {
    const env = table(grants, 'env');
    for (const pair of flags.env) {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw usageError(`--env '${pair}' must be NAME=value`);
      env[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
  }
  if (flags.allowHost.length > 0) {
    grants.allowed_outbound_hosts = [...list(grants.allowed_outbound_hosts), ...flags.allowHost];
  }
  if (flags.files.length > 0) {
    grants.files = [...list(grants.files), ...flags.files.map(fileGrant)];
  }
}

/** `--file ./static:/static`: a directory on this machine, read-only at a guest path. */
function fileGrant(spec: string): { source: string; guest: string } {
  const colon = spec.indexOf(':');
  const source = spec.slice(0, colon);
  const guest = spec.slice(colon + 1);
  if (colon <= 0 || !guest.startsWith('/')) {
    throw usageError(`--file '${spec}' must be <path here>:<guest path>, e.g. ./static:/static`);
  }
  try {
    statSync(source);
  } catch (err) {
    throw usageError(`--file '${spec}': ${source} cannot be read ` +
      `(${(err as NodeJS.ErrnoException).code}); name a path that exists`);
  }
  return { source: resolve(source), guest };
}

/** The manifest field each flag sets, to point at the flag when the field is refused. */
const FLAG_OF: ReadonlyArray<readonly [string, string]> = [
  ['grants.allowed_outbound_hosts', '--allow-host'], ['grants.files', '--file'],
  ['grants.env', '--env'], ['scale.min', '--min'], ['scale.max', '--max'],
  ['limits.memory', '--memory'], ['limits.timeout', '--timeout'], ['route', '--route'],
];

function checkLocally(doc: Record<string, unknown>, artifactPath: string, where: string): string {
  try {
    return checkManifest({ ...doc, module: artifactPath }, where, (p) => p).name;
  } catch (err) {
    const message = (err as Error).message;
    const flag = FLAG_OF.find(([field]) => message.startsWith(`${where}: ${field}`))?.[1];
    throw new CliError(flag === undefined ? message : `${message} (set by ${flag})`,
      'WARP_E_BAD_MANIFEST', 2);
  }
}

function readArtifact(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw usageError(`${path} cannot be read (${(err as NodeJS.ErrnoException).code}); ` +
      'pass the path of a .wasm file');
  }
}

function requireFile(file: string | undefined): string {
  if (file === undefined) {
    throw usageError('warp deploy needs a .wasm file (or --manifest <file.toml>)');
  }
  return resolve(file);
}

function defaultName(artifactPath: string): string {
  const name = basename(artifactPath).replace(/\.wasm$/, '');
  if (!NAME.test(name)) {
    throw usageError(`the file name '${name}' is not a valid app name (lower-case letters, ` +
      'digits and dashes); pass --name');
  }
  return name;
}

function table(doc: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = doc[key];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  if (value !== undefined) throw usageError(`${key} must be a table in the manifest`);
  const created: Record<string, unknown> = {};
  doc[key] = created;
  return created;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function integer(flag: string, raw: string): number {
  if (!/^\d{1,9}$/.test(raw)) throw usageError(`${flag} must be a whole number, got '${raw}'`);
  return Number(raw);
}

/** `--memory 64MiB` stays text for the node's size rules; `--memory 1048576` becomes a number. */
function sizeOrText(raw: string): string | number {
  return /^\d{1,15}$/.test(raw) ? Number(raw) : raw;
}
