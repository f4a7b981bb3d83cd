// Peer: node:http running hello.wasm with a new instance per request and a hand-written WASI
// shim (not node:wasi: it segfaults after a few thousand instances on Node 20, nodejs/node#53087).
// Usage: node node-http-wasm.mjs <module.wasm>; prints {"msg":"listening","port":N}.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import { cgiEnv, parseWagi, runCommand } from './wasi-shim.mjs';

const module = new WebAssembly.Module(readFileSync(process.argv[2]));

const server = createServer((req, res) => {
  const q = req.url.indexOf('?');
  const path = q === -1 ? req.url : req.url.slice(0, q);
  const query = q === -1 ? '' : req.url.slice(q + 1);
  const reply = parseWagi(runCommand(module, cgiEnv(req.method, path, query), [path]));
  res.writeHead(reply.status, { ...reply.headers, 'content-length': reply.body.length });
  res.end(reply.body);
});

server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: server.address().port }));
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
