// Builds hello-component.wasm from handler.js with componentize-js, offline; skips when it is
// newer than its sources. Usage: node bench/peers/hello-component/build.mjs

import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { preview1AdapterReactorPath } from '@bytecodealliance/jco';

const here = fileURLToPath(new URL('.', import.meta.url));
const sources = [join(here, 'handler.js'), join(here, 'world.wit')];
const outPath = join(here, 'hello-component.wasm');

// componentize-js 0.23 runs WASI 0.2.10 and jco ships its WASI WIT as 0.2.12; the interfaces
// a proxy uses are the same across 0.2 patch releases, so the snapshot is relabelled (as
// examples/hello-js/build.mjs does).
const SNAPSHOT = '0.2.12';
const ENGINE = '0.2.10';
const PACKAGES = ['cli', 'clocks', 'filesystem', 'http', 'io', 'random', 'sockets'];

const mtime = (path) => stat(path).then((s) => s.mtimeMs, () => -1);

async function witDir() {
  const snapshot = new URL(`wit/builtin/${SNAPSHOT}/`, preview1AdapterReactorPath());
  const dir = await mkdtemp(join(tmpdir(), 'bench-hello-wit-'));
  await cp(join(here, 'world.wit'), join(dir, 'world.wit'));
  for (const name of PACKAGES) {
    const wit = await readFile(new URL(`wasi-${name}/package.wit`, snapshot), 'utf8');
    await mkdir(join(dir, 'deps', `wasi-${name}`), { recursive: true });
    await writeFile(join(dir, 'deps', `wasi-${name}`, 'package.wit'),
      wit.replaceAll(`@${SNAPSHOT}`, `@${ENGINE}`));
  }
  return dir;
}

const built = await mtime(outPath);
if (built > 0 && (await Promise.all(sources.map(mtime))).every((t) => t < built)) {
  console.log('hello-component: up to date');
} else {
  const { componentize } = await import('@bytecodealliance/componentize-js');
  const dir = await witDir();
  try {
    const { component } = await componentize({
      sourcePath: sources[0], witPath: dir, worldName: 'hello',
    });
    await writeFile(outPath, component);
    console.log(`hello-component: built ${outPath} (${component.byteLength} bytes)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
