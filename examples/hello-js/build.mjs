// Builds hello-js.wasm from handler.js with componentize-js, offline; skips when up to date.
// Usage: node examples/hello-js/build.mjs [--force]
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { preview1AdapterReactorPath } from '@bytecodealliance/jco';

const here = fileURLToPath(new URL('.', import.meta.url));
const sourcePath = join(here, 'handler.js');
const worldPath = join(here, 'wit', 'world.wit');
const keyValuePath = join(here, 'wit', 'deps', 'wasi-keyvalue', 'package.wit');
const outPath = join(here, 'hello-js.wasm');

// StarlingMonkey inside componentize-js 0.23 implements WASI 0.2.10 (its fetch-event handler
// is exported as wasi:http/incoming-handler@0.2.10). jco bundles the WASI WIT as a 0.2.12
// snapshot; 0.2.x patch releases keep the same stable interfaces, so the build relabels
// that snapshot as 0.2.10 rather than keeping a second copy of the WASI WIT here.
const WIT_SNAPSHOT = '0.2.12';
const ENGINE_WASI = '0.2.10';
const WASI_PACKAGES = ['cli', 'clocks', 'filesystem', 'http', 'io', 'random', 'sockets'];

async function mtime(path) {
  try {
    return (await stat(path)).mtimeMs;
  } catch {
    return -1;
  }
}

async function upToDate() {
  const built = await mtime(outPath);
  const sources = await Promise.all([sourcePath, worldPath, keyValuePath].map(mtime));
  return built > 0 && sources.every((t) => t < built);
}

// componentize-js wants one WIT directory: our world plus its deps/ beside it. The WASI 0.2
// packages come from jco; wasi:keyvalue, which jco does not bundle, comes from our own deps/.
async function witDir() {
  // jco keeps its WIT snapshots in lib/, beside the preview1 adapters it exports.
  const snapshot = new URL(`wit/builtin/${WIT_SNAPSHOT}/`, preview1AdapterReactorPath());
  const dir = await mkdtemp(join(tmpdir(), 'hello-js-wit-'));
  await cp(worldPath, join(dir, 'world.wit'));
  for (const name of WASI_PACKAGES) {
    const wit = await readFile(new URL(`wasi-${name}/package.wit`, snapshot), 'utf8');
    await mkdir(join(dir, 'deps', `wasi-${name}`), { recursive: true });
    const relabelled = wit.replaceAll(`@${WIT_SNAPSHOT}`, `@${ENGINE_WASI}`);
    await writeFile(join(dir, 'deps', `wasi-${name}`, 'package.wit'), relabelled);
  }
  await mkdir(join(dir, 'deps', 'wasi-keyvalue'));
  await cp(keyValuePath, join(dir, 'deps', 'wasi-keyvalue', 'package.wit'));
  return dir;
}

async function build() {
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const dir = await witDir();
  try {
    const started = performance.now();
    const { component } = await componentize({
      sourcePath,
      witPath: dir,
      worldName: 'hello',
    });
    await writeFile(outPath, component);
    const ms = Math.round(performance.now() - started);
    const kb = Math.round(component.byteLength / 1024);
    console.log(`hello-js: built ${outPath} (${kb} KiB) in ${ms} ms`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (!process.argv.includes('--force') && (await upToDate())) {
  console.log('hello-js: hello-js.wasm is up to date');
} else {
  await build();
}
