// hello-js: a WASI-HTTP guest (componentize-js fetch-event style) that WarpGrid's tests call.
import { getEnvironment } from 'wasi:cli/environment@0.2.10';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.10';
import { increment } from 'wasi:keyvalue/atomics@0.2.0-draft';
import { open as openStore } from 'wasi:keyvalue/store@0.2.0-draft';

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

// A WASI call that returns an error throws; the error value (an error-code) is its payload.
function errorOf(err) {
  if (err && err.payload !== undefined) return err.payload;
  return String(err && err.message ? err.message : err);
}

const MAX_HOPS = 5;

// Fetches any URL (the host decides what is allowed) and reports what came back; with ?body= it
// POSTs that body. fetch() does not follow redirects here; with ?follow=1 the guest follows up to MAX_HOPS of them itself,
// and the host checks each hop as a request of its own.
async function fetchUrl(params) {
  let target = params.get('url');
  if (!target) return json({ error: 'add ?url=' }, 400);
  const body = params.get('body');
  try {
    let res = await fetch(target, body === null ? undefined : { method: 'POST', body });
    for (let hop = 0; params.get('follow') && hop < MAX_HOPS; hop++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status > 399 || !location) break;
      target = new URL(location, target).href;
      res = await fetch(target);
    }
    return json({ status: res.status, url: target, body: await res.text() });
  } catch (err) {
    return json({ error: errorOf(err), url: target }, 502);
  }
}

// Fetches URL N times at once and reports each status (or error), in order.
async function fetchMany(params) {
  const target = params.get('url');
  const n = Math.min(Number(params.get('n') || '1'), 100);
  const results = await Promise.all(Array.from({ length: n }, async () => {
    try {
      const res = await fetch(target);
      await res.text();
      return res.status;
    } catch (err) {
      return String(errorOf(err));
    }
  }));
  return json(results);
}

function preopen(guestPath) {
  const found = getDirectories().find(([, path]) => path === guestPath);
  return found ? found[0] : null;
}

// Reads `path` relative to the preopened directory `dir` with wasi:filesystem, as given.
function readFile(params) {
  const dir = preopen(params.get('dir'));
  if (!dir) return json({ error: `no preopen ${params.get('dir')}` }, 404);
  try {
    const file = dir.openAt({ symlinkFollow: true }, params.get('path'), {}, { read: true });
    const { size } = file.stat();
    const [bytes] = file.read(size, 0n);
    return new Response(bytes, { headers: { 'content-type': 'application/octet-stream' } });
  } catch (err) {
    return json({ error: errorOf(err) }, 403);
  }
}

// Tries to create `path` in `dir` for writing; a read-only grant refuses.
function writeFile(params) {
  const dir = preopen(params.get('dir'));
  if (!dir) return json({ error: `no preopen ${params.get('dir')}` }, 404);
  try {
    dir.openAt({ symlinkFollow: true }, params.get('path'), { create: true }, { write: true });
    return json({ written: true });
  } catch (err) {
    return json({ error: errorOf(err) }, 403);
  }
}

function listDir(params) {
  const dir = preopen(params.get('dir'));
  if (!dir) return json({ error: `no preopen ${params.get('dir')}` }, 404);
  const entries = dir.readDirectory();
  const names = [];
  for (let entry = entries.readDirectoryEntry(); entry; entry = entries.readDirectoryEntry()) {
    names.push(`${entry.name}:${entry.type}`);
  }
  return json(names.sort());
}

// /kv/<store>/<key>: GET reads, PUT writes the body, DELETE removes; wasi:keyvalue/store.
async function keyValue(request, rest) {
  const [store, key] = rest.split('/').map(decodeURIComponent);
  try {
    const bucket = openStore(store);
    if (request.method === 'PUT') {
      bucket.set(key, new Uint8Array(await request.arrayBuffer()));
      return json({ stored: key });
    }
    if (request.method === 'DELETE') {
      bucket.delete(key);
      return json({ deleted: key });
    }
    const value = bucket.get(key);
    if (value === undefined) return json({ error: `no key ${key}` }, 404);
    return new Response(value, { headers: { 'content-type': 'application/octet-stream' } });
  } catch (err) {
    return json({ error: errorOf(err) }, 403);
  }
}

// /kv-incr/<store>/<key>?by=N: wasi:keyvalue/atomics increment.
function keyIncrement(rest, by) {
  const [store, key] = rest.split('/').map(decodeURIComponent);
  try {
    return json({ value: Number(increment(openStore(store), key, BigInt(by || '1'))) });
  } catch (err) {
    return json({ error: errorOf(err) }, 403);
  }
}

// Fills MiB mebibytes of fresh memory; past limits.memory the guest runs out and fails.
function alloc(mib) {
  const bytes = new Uint8Array(mib * 1024 * 1024);
  bytes.fill(1);
  return json({ allocated: bytes.length });
}

// Keeps the CPU busy for up to MS milliseconds without waiting on anything.
function spin(ms) {
  const until = Date.now() + ms;
  let turns = 0;
  while (Date.now() < until) turns++;
  return json({ turns });
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
  if (p === '/fetch') return fetchUrl(url.searchParams);
  if (p === '/fetch-many') return fetchMany(url.searchParams);
  if (p === '/file') return readFile(url.searchParams);
  if (p === '/file-write') return writeFile(url.searchParams);
  if (p === '/dir') return listDir(url.searchParams);
  if (p.startsWith('/kv/')) return keyValue(request, p.slice(4));
  if (p.startsWith('/kv-incr/')) return keyIncrement(p.slice(9), url.searchParams.get('by'));
  if (p.startsWith('/alloc/')) return alloc(Number(p.slice(7)));
  if (p.startsWith('/spin/')) return spin(Number(p.slice(6)));
  if (p.startsWith('/env/')) return envValue(decodeURIComponent(p.slice(5)));
  if (p.startsWith('/sleep/')) return sleep(Number(p.slice(7)));
  return echo(request, path);
}

addEventListener('fetch', (event) => event.respondWith(handle(event.request)));
