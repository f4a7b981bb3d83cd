// Baseline for memory per warm instance: RSS added by holding N bare V8 instances of a module
// in a plain node process, with no host around them. Usage: node bare-instances.mjs <wasm> <N>;
// prints {"perInstanceKb":…}.

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const module = new WebAssembly.Module(readFileSync(process.argv[2]));
const count = Number(process.argv[3]);
const ok = () => 0;
const imports = {
  wasi_snapshot_preview1: {
    environ_sizes_get: ok, environ_get: ok, fd_write: ok, args_sizes_get: ok, args_get: ok,
    proc_exit: ok,
  },
};

const held = [new WebAssembly.Instance(module, imports)];
await sleep(500);
const before = process.memoryUsage().rss;
for (let i = 1; i < count; i++) held.push(new WebAssembly.Instance(module, imports));
await sleep(500);
const after = process.memoryUsage().rss;
const perInstanceKb = (after - before) / 1024 / (count - 1);
console.log(JSON.stringify({ held: held.length, perInstanceKb }));
