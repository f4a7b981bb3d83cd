// Peer: uWebSockets.js answering with fixed bodies and no guest at all: the front end's ceiling.
// Usage: node uws-raw.cjs; prints {"msg":"listening","port":N}.

const uWS = require('uWebSockets.js');

const HELLO = 'Hello, world!\n';
const HEALTH = '{"status":"ok"}';

uWS.App()
  .get('/health', (res) => {
    res.cork(() => res.writeHeader('content-type', 'application/json').end(HEALTH));
  })
  .any('/*', (res) => {
    res.cork(() => res.writeHeader('content-type', 'text/plain').end(HELLO));
  })
  .listen('127.0.0.1', 0, (token) => {
    if (!token) throw new Error('uws-raw: could not listen on 127.0.0.1');
    console.log(JSON.stringify({ msg: 'listening', port: uWS.us_socket_local_port(token) }));
  });
process.once('SIGTERM', () => process.exit(0));
