// hello-js: a WASI-HTTP guest (componentize-js fetch-event style) that WarpGrid's tests call.
import { getEnvironment } from 'wasi:cli/environment@0.2.10';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.10';

const CHUNK = 64 * 1024;

// Module state: a fresh instance (or a recycled one, restored) always answers /count with 1.
let requestsSeen = 0;

function json(value, status = 200) {
  return new Response(JSON.stringify(value), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

function headersObject(headers) {
  const out = {};
  for (const [name, value] of headers) out[name] = value;
  return out;
}

// A stream takes ownership of each chunk it is given, so every pull makes a new one.
function bigBody(total) {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      const n = Math.min(CHUNK, total - sent);
      if (n <= 0) return controller.close();
      controller.enqueue(new Uint8Array(n).fill(120));
      sent += n;
    },
  });
}

async function outbound() {
  try {
    const res = await fetch('http://127.0.0.1:9/');
    return json({ denied: false, status: res.status });
  } catch (err) {
    return json({ denied: true, error: String(err && err.message ? err.message : err) });
  }
}

function envValue(name) {
  const found = getEnvironment().find(([key]) => key === name);
  if (!found) return json({ error: `no env var ${name}` }, 404);
  return new Response(found[1], { headers: { 'content-type': 'text/plain' } });
}

// Waits on a timer (wasi:clocks pollables), then answers with how long it slept.
async function sleep(ms) {
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return json({ slept: Date.now() - started });
}

async function echo(request, path) {
  const body = await request.text();
  return json({
    method: request.method,
    path,
    headers: headersObject(request.headers),
    body,
    bodyLength: new TextEncoder().encode(body).length,
  });
}

async function handle(request) {
  const url = new URL(request.url);
  const path = url.pathname + url.search;
  const p = url.pathname;

  requestsSeen++;
  if (p === '/health') return json({ status: 'ok' });
  if (p === '/count') return json({ count: requestsSeen });
  if (p === '/throw') throw new Error('hello-js: /throw was asked to throw');
  if (p.startsWith('/status/')) return new Response(`status ${p.slice(8)}\n`, {
    status: Number(p.slice(8)),
    headers: { 'content-type': 'text/plain' },
  });
  if (p.startsWith('/big/')) return new Response(bigBody(Number(p.slice(5))), {
    headers: { 'content-type': 'text/plain' },
  });
  if (p === '/preopens') return json(getDirectories().map(([, dir]) => String(dir)));
  if (p === '/outbound') return outbound();
  if (p.startsWith('/env/')) return envValue(decodeURIComponent(p.slice(5)));
  if (p.startsWith('/sleep/')) return sleep(Number(p.slice(7)));
  return echo(request, path);
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
