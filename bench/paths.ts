// Where the benchmark finds the repository, its guests, the peer assets and the peer binaries.
// The compiled bench runs from dist/bench/, but its assets are read from the source tree.

import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BENCH_DIR = join(REPO_ROOT, 'bench');
export const PEERS_DIR = join(BENCH_DIR, 'peers');
export const RESULTS_DIR = join(BENCH_DIR, 'results');

export const NODE_MAIN = join(REPO_ROOT, 'dist', 'main.js');
export const HELLO_WASM = join(REPO_ROOT, 'examples', 'hello', 'hello.wasm');
export const HELLO_JS_WASM = join(REPO_ROOT, 'examples', 'hello-js', 'hello-js.wasm');
export const HELLO_JS_BUILD = join(REPO_ROOT, 'examples', 'hello-js', 'build.mjs');
/** The hello guest as a component that imports only wasi:http/proxy, built by the bench. */
export const HELLO_COMPONENT = join(PEERS_DIR, 'hello-component', 'hello-component.wasm');
export const HELLO_COMPONENT_BUILD = join(PEERS_DIR, 'hello-component', 'build.mjs');

const MODULES = join(REPO_ROOT, 'node_modules');
export const WORKERD_BIN = join(MODULES, '@cloudflare', 'workerd-linux-64', 'bin', 'workerd');
export const JCO_BIN = join(MODULES, '@bytecodealliance', 'jco', 'dist', 'jco.js');
export const WRK_BIN = '/usr/bin/wrk';
export const WRK_REPORT_LUA = join(BENCH_DIR, 'wrk-report.lua');
