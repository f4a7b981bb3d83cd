// Peer: a workerd worker running hello.wasm with a new instance per request, through the same
// hand-written WASI shim as the node:http peer.

import hello from './hello.wasm';
import { cgiEnv, parseWagi, runCommand } from './wasi-shim.mjs';

export default {
  fetch(request) {
    const url = new URL(request.url);
    const env = cgiEnv(request.method, url.pathname, url.search.slice(1));
    const reply = parseWagi(runCommand(hello, env, [url.pathname]));
    return new Response(reply.body, { status: reply.status, headers: reply.headers });
  },
};
