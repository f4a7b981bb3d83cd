// A WASI preview1 shim written by hand, the size a Node developer would write to run a WAGI
// guest: args, environ, fd_write and proc_exit, nothing else. One instance per call. Shared by the
// node:http peer and the workerd peer, so it uses only what both runtimes have (no Buffer).

const encoder = new TextEncoder();
const decoder = new TextDecoder();

class Exit {
  constructor(code) {
    this.code = code;
  }
}

function encodeStrings(strings) {
  const parts = strings.map((s) => encoder.encode(`${s}\0`));
  const size = parts.reduce((n, p) => n + p.length, 0);
  return { parts, size };
}

// Writes a list of NUL-terminated strings the way args_get and environ_get both want them.
function writeStrings(memory, list, pointersAt, bytesAt) {
  const view = new DataView(memory.buffer);
  const bytes = new Uint8Array(memory.buffer);
  let at = bytesAt;
  list.parts.forEach((part, i) => {
    view.setUint32(pointersAt + i * 4, at, true);
    bytes.set(part, at);
    at += part.length;
  });
  return 0;
}

function writeSizes(memory, list, countAt, sizeAt) {
  const view = new DataView(memory.buffer);
  view.setUint32(countAt, list.parts.length, true);
  view.setUint32(sizeAt, list.size, true);
  return 0;
}

/** Instantiates `module`, runs `_start` with this env and argv, and returns its stdout bytes. */
export function runCommand(module, env, args) {
  const environ = encodeStrings(env);
  const argv = encodeStrings(args);
  const chunks = [];
  let memory;

  const wasi = {
    args_sizes_get: (countAt, sizeAt) => writeSizes(memory, argv, countAt, sizeAt),
    args_get: (pointersAt, bytesAt) => writeStrings(memory, argv, pointersAt, bytesAt),
    environ_sizes_get: (countAt, sizeAt) => writeSizes(memory, environ, countAt, sizeAt),
    environ_get: (pointersAt, bytesAt) => writeStrings(memory, environ, pointersAt, bytesAt),
    fd_write(fd, iovsAt, iovsLen, writtenAt) {
      const view = new DataView(memory.buffer);
      let written = 0;
      for (let i = 0; i < iovsLen; i++) {
        const base = view.getUint32(iovsAt + i * 8, true);
        const len = view.getUint32(iovsAt + i * 8 + 4, true);
        if (fd === 1) chunks.push(new Uint8Array(memory.buffer, base, len).slice());
        written += len;
      }
      view.setUint32(writtenAt, written, true);
      return 0;
    },
    proc_exit(code) {
      throw new Exit(code);
    },
  };

  const instance = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi });
  memory = instance.exports.memory;
  try {
    instance.exports._start();
  } catch (err) {
    if (!(err instanceof Exit)) throw err;
  }
  return concat(chunks);
}

function concat(chunks) {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Splits WAGI output into a status, a header object and the body (`status:` as in WAGI). */
export function parseWagi(output) {
  let end = -1;
  for (let i = 0; i + 1 < output.length; i++) {
    if (output[i] === 10 && output[i + 1] === 10) {
      end = i;
      break;
    }
  }
  if (end === -1) return { status: 502, headers: { 'content-type': 'text/plain' }, body: 'bad' };
  const headers = {};
  let status = 200;
  for (const line of decoder.decode(output.subarray(0, end)).split('\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'status') status = Number.parseInt(value, 10);
    else headers[name] = value;
  }
  return { status, headers, body: output.subarray(end + 2) };
}

/** The CGI variables a hand-written WAGI host passes (RFC 3875 section 4.1). */
export function cgiEnv(method, path, query) {
  return [
    `REQUEST_METHOD=${method}`, `PATH_INFO=${path}`, `QUERY_STRING=${query}`,
    'SCRIPT_NAME=', 'SERVER_PROTOCOL=HTTP/1.1', 'GATEWAY_INTERFACE=CGI/1.1',
  ];
}
