// WarpGrid's WASI preview1 host for WAGI guests. One import object per template is shared by all
// of its instances, because a worker runs one WAGI guest at a time: the functions read the
// running request from `active`. Only stdio, args, env, clocks and random are served; every other
// preview1 function is linked to a stub that denies the call with ENOTCAPABLE.
// Spec: WebAssembly/WASI legacy/preview1/docs.md.

import { randomFillSync } from 'node:crypto';
import { statSync } from 'node:fs';

import { WarpError } from '../../src/errors.js';
import {
  INTERRUPT_FUNCTION, INTERRUPT_MODULE,
} from '../../src/control/wasm/interrupt-instrument.js';
import { interrupter } from '../interrupt.js';
import { E, fileType, rightsFor, writeFilestat, type FdTable } from './preopens.js';

export const PREVIEW1 = 'wasi_snapshot_preview1';

const ESUCCESS = 0;
const EBADF = 8;
const EINVAL = 28;
const ESPIPE = 70;
const ENOTCAPABLE = 76;
const FILETYPE_CHARACTER_DEVICE = 2;
const RIGHTS_STDIO = 0x1ffffffn;

/** Every function of wasi_snapshot_preview1. A guest may import only these. */
export const PREVIEW1_FUNCTIONS = [
  'args_get', 'args_sizes_get', 'environ_get', 'environ_sizes_get', 'clock_res_get',
  'clock_time_get', 'fd_advise', 'fd_allocate', 'fd_close', 'fd_datasync', 'fd_fdstat_get',
  'fd_fdstat_set_flags', 'fd_fdstat_set_rights', 'fd_filestat_get', 'fd_filestat_set_size',
  'fd_filestat_set_times', 'fd_pread', 'fd_prestat_get', 'fd_prestat_dir_name', 'fd_pwrite',
  'fd_read', 'fd_readdir', 'fd_renumber', 'fd_seek', 'fd_sync', 'fd_tell', 'fd_write',
  'path_create_directory', 'path_filestat_get', 'path_filestat_set_times', 'path_link',
  'path_open', 'path_readlink', 'path_remove_directory', 'path_rename', 'path_symlink',
  'path_unlink_file', 'poll_oneoff', 'proc_exit', 'proc_raise', 'sched_yield', 'random_get',
  'sock_accept', 'sock_recv', 'sock_send', 'sock_shutdown',
] as const;

/** Thrown by proc_exit to unwind the guest; never escapes the worker. */
export class ProcExit {
  constructor(readonly code: number) {}
}

/** The request that the running guest sees, and where its output goes. */
export interface WagiCall {
  memory: WebAssembly.Memory;
  /** NUL-terminated `K=V` strings, concatenated. */
  environ: Uint8Array;
  environCount: number;
  /** NUL-terminated argv strings, concatenated. */
  argv: Uint8Array;
  argc: number;
  stdin: Uint8Array;
  stdinPos: number;
  stdout: OutputBuffer;
  stderr: (bytes: Uint8Array) => void;
  /** Granted directories and what the request opened; null when no files are granted. */
  fds: FdTable | null;
}

/** A growing byte buffer with a hard cap, reused across requests on one worker. */
export class OutputBuffer {
  bytes = new Uint8Array(64 * 1024);
  length = 0;
  cap = 16 * 1024 * 1024;

  reset(cap: number): void {
    this.length = 0;
    this.cap = cap;
  }

  append(src: Uint8Array): void {
    const need = this.length + src.length;
    if (need > this.cap) {
      throw new WarpError('WARP_E_RESPONSE_TOO_LARGE',
        `the guest wrote more than ${this.cap} bytes; raise limits.response or write less`);
    }
    if (need > this.bytes.length) {
      const grown = new Uint8Array(Math.min(Math.max(need, this.bytes.length * 2), this.cap));
      grown.set(this.bytes.subarray(0, this.length));
      this.bytes = grown;
    }
    this.bytes.set(src, this.length);
    this.length = need;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

export class Preview1Host {
  active: WagiCall | null = null;

  /** Import object for a module: exactly the preview1 functions it names. */
  importsFor(module: WebAssembly.Module): WebAssembly.Imports {
    const fns: Record<string, (...args: never[]) => number> = {};
    const impl = this.implementations();
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module !== PREVIEW1 || imp.kind !== 'function') continue;
      fns[imp.name] = impl[imp.name] ?? denied;
    }
    const imports: WebAssembly.Imports = { [PREVIEW1]: fns };
    const instrumented = WebAssembly.Module.imports(module).some((imp) =>
      imp.module === INTERRUPT_MODULE && imp.name === INTERRUPT_FUNCTION);
    if (instrumented) imports[INTERRUPT_MODULE] = { [INTERRUPT_FUNCTION]: interrupter.check };
    return imports;
  }

  private call(): WagiCall {
    const call = this.active;
    if (call === null) throw new Error('preview1 call outside a request');
    return call;
  }

  private implementations(): Record<string, (...args: never[]) => number> {
    return {
      args_sizes_get: (argcPtr: number, sizePtr: number) => {
        const c = this.call();
        return writeSizes(c.memory, argcPtr, c.argc, sizePtr, c.argv.length);
      },
      args_get: (argvPtr: number, bufPtr: number) => {
        const c = this.call();
        return writeStrings(c.memory, argvPtr, bufPtr, c.argv);
      },
      environ_sizes_get: (countPtr: number, sizePtr: number) => {
        const c = this.call();
        return writeSizes(c.memory, countPtr, c.environCount, sizePtr, c.environ.length);
      },
      environ_get: (environPtr: number, bufPtr: number) => {
        const c = this.call();
        return writeStrings(c.memory, environPtr, bufPtr, c.environ);
      },
      fd_write: (fd: number, iovs: number, iovsLen: number, nwrittenPtr: number) =>
        this.fdWrite(fd, iovs, iovsLen, nwrittenPtr),
      fd_read: (fd: number, iovs: number, iovsLen: number, nreadPtr: number) =>
        this.fdRead(fd, iovs, iovsLen, nreadPtr),
      fd_close: (fd: number) => (fd <= 2 ? ESUCCESS : this.call().fds?.close(fd) ?? EBADF),
      fd_fdstat_get: (fd: number, statPtr: number) => this.fdstat(fd, statPtr),
      fd_seek: (fd: number, offset: bigint, whence: number, outPtr: number) =>
        this.seek(fd, Number(offset), whence, outPtr),
      fd_tell: (fd: number, outPtr: number) => this.seek(fd, 0, 1, outPtr),
      fd_prestat_get: (fd: number, bufPtr: number) => this.prestat(fd, bufPtr),
      fd_prestat_dir_name: (fd: number, pathPtr: number, len: number) =>
        this.prestatName(fd, pathPtr, len),
      path_open: (dirfd: number, _dirflags: number, pathPtr: number, pathLen: number,
        oflags: number, _rights: bigint, _inheriting: bigint, fdflags: number, fdOut: number) =>
        this.pathOpen(dirfd, pathPtr, pathLen, oflags, fdflags, fdOut),
      fd_filestat_get: (fd: number, bufPtr: number) => this.filestat(fd, bufPtr),
      path_filestat_get: (fd: number, _flags: number, pathPtr: number, pathLen: number,
        bufPtr: number) => this.pathFilestat(fd, pathPtr, pathLen, bufPtr),
      fd_readdir: (fd: number, buf: number, len: number, cookie: bigint, usedPtr: number) =>
        this.readdir(fd, buf, len, Number(cookie), usedPtr),
      clock_res_get: (_id: number, resPtr: number) => {
        new DataView(this.call().memory.buffer).setBigUint64(resPtr, 1000n, true);
        return ESUCCESS;
      },
      clock_time_get: (id: number, _precision: bigint, timePtr: number) =>
        this.clockTime(id, timePtr),
      random_get: (ptr: number, len: number) => {
        randomFillSync(new Uint8Array(this.call().memory.buffer, ptr, len));
        return ESUCCESS;
      },
      sched_yield: () => ESUCCESS,
      proc_exit: (code: number) => {
        throw new ProcExit(code);
      },
    };
  }

  private fdWrite(fd: number, iovs: number, iovsLen: number, nwrittenPtr: number): number {
    if (fd !== 1 && fd !== 2) return EBADF;
    const c = this.call();
    const buf = c.memory.buffer;
    const view = new DataView(buf);
    let written = 0;
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      const bytes = new Uint8Array(buf, ptr, len);
      if (fd === 1) c.stdout.append(bytes);
      else c.stderr(bytes);
      written += len;
    }
    view.setUint32(nwrittenPtr, written, true);
    return ESUCCESS;
  }

  private fdRead(fd: number, iovs: number, iovsLen: number, nreadPtr: number): number {
    if (fd !== 0) return this.fileRead(fd, iovs, iovsLen, nreadPtr);
    const c = this.call();
    const buf = c.memory.buffer;
    const view = new DataView(buf);
    let read = 0;
    for (let i = 0; i < iovsLen && c.stdinPos < c.stdin.length; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      const n = Math.min(len, c.stdin.length - c.stdinPos);
      new Uint8Array(buf, ptr, n).set(c.stdin.subarray(c.stdinPos, c.stdinPos + n));
      c.stdinPos += n;
      read += n;
    }
    view.setUint32(nreadPtr, read, true);
    return ESUCCESS;
  }

  private fdstat(fd: number, statPtr: number): number {
    const c = this.call();
    const view = new DataView(c.memory.buffer);
    let type = FILETYPE_CHARACTER_DEVICE;
    let rights = RIGHTS_STDIO;
    if (fd > 2) {
      const stats = c.fds?.stat(fd) ?? EBADF;
      if (typeof stats === 'number') return stats;
      type = fileType(stats);
      rights = rightsFor(stats);
    }
    view.setUint8(statPtr, type);
    view.setUint16(statPtr + 2, 0, true);
    view.setBigUint64(statPtr + 8, rights, true);
    view.setBigUint64(statPtr + 16, rights, true);
    return ESUCCESS;
  }

  private prestat(fd: number, bufPtr: number): number {
    const mapping = this.call().fds?.mapping(fd);
    if (mapping === undefined) return EBADF;
    const view = new DataView(this.call().memory.buffer);
    view.setUint8(bufPtr, 0);
    view.setUint32(bufPtr + 4, mapping.guestBytes.length, true);
    return ESUCCESS;
  }

  private prestatName(fd: number, pathPtr: number, len: number): number {
    const mapping = this.call().fds?.mapping(fd);
    if (mapping === undefined) return EBADF;
    const name = mapping.guestBytes.subarray(0, len);
    new Uint8Array(this.call().memory.buffer, pathPtr, name.length).set(name);
    return ESUCCESS;
  }

  /** The guest's path bytes, resolved inside a granted directory, or an errno. */
  private guestPath(fd: number, pathPtr: number, pathLen: number): string | number {
    const c = this.call();
    if (c.fds === null) return EBADF;
    return c.fds.resolve(fd, new Uint8Array(c.memory.buffer, pathPtr, pathLen));
  }

  private pathOpen(dirfd: number, pathPtr: number, pathLen: number, oflags: number,
    fdflags: number, fdOut: number): number {
    const path = this.guestPath(dirfd, pathPtr, pathLen);
    if (typeof path === 'number') return path;
    const c = this.call();
    const root = (c.fds as FdTable).get(dirfd)?.root as string;
    const fd = (c.fds as FdTable).openPath(path, root, oflags, fdflags);
    if (fd < 0) return -fd;
    new DataView(c.memory.buffer).setUint32(fdOut, fd, true);
    return ESUCCESS;
  }

  private fileRead(fd: number, iovs: number, iovsLen: number, nreadPtr: number): number {
    const c = this.call();
    if (c.fds === null) return EBADF;
    const buf = c.memory.buffer;
    const view = new DataView(buf);
    let total = 0;
    for (let i = 0; i < iovsLen; i++) {
      const ptr = view.getUint32(iovs + i * 8, true);
      const len = view.getUint32(iovs + i * 8 + 4, true);
      const n = c.fds.read(fd, new Uint8Array(buf, ptr, len));
      if (n < 0) return -n;
      total += n;
      if (n < len) break;
    }
    view.setUint32(nreadPtr, total, true);
    return ESUCCESS;
  }

  private seek(fd: number, offset: number, whence: number, outPtr: number): number {
    if (fd <= 2) return ESPIPE;
    const c = this.call();
    const to = c.fds?.seek(fd, offset, whence) ?? -EBADF;
    if (to < 0) return -to;
    new DataView(c.memory.buffer).setBigUint64(outPtr, BigInt(to), true);
    return ESUCCESS;
  }

  private filestat(fd: number, bufPtr: number): number {
    const c = this.call();
    const stats = fd <= 2 ? EBADF : c.fds?.stat(fd) ?? EBADF;
    if (typeof stats === 'number') return stats;
    writeFilestat(new DataView(c.memory.buffer), bufPtr, stats);
    return ESUCCESS;
  }

  private pathFilestat(fd: number, pathPtr: number, pathLen: number, bufPtr: number): number {
    const path = this.guestPath(fd, pathPtr, pathLen);
    if (typeof path === 'number') return path;
    let stats;
    try {
      stats = statSync(path);
    } catch {
      return E.NOENT;
    }
    writeFilestat(new DataView(this.call().memory.buffer), bufPtr, stats);
    return ESUCCESS;
  }

  /** Writes dirents from index `cookie` on; a dirent is 24 bytes and then the name. */
  private readdir(fd: number, buf: number, len: number, cookie: number, usedPtr: number): number {
    const c = this.call();
    const names = c.fds?.list(fd) ?? EBADF;
    if (typeof names === 'number') return names;
    const entries = ['.', '..', ...names];
    const out = new Uint8Array(len);
    let used = 0;
    for (let i = cookie; i < entries.length && used < len; i++) {
      const name = new TextEncoder().encode(entries[i] as string);
      const head = new Uint8Array(24);
      const hv = new DataView(head.buffer);
      hv.setBigUint64(0, BigInt(i + 1), true);
      hv.setUint32(16, name.length, true);
      hv.setUint8(20, i < 2 ? 3 : direntType(c.fds as FdTable, fd, entries[i] as string));
      for (const part of [head, name]) {
        const n = Math.min(part.length, len - used);
        out.set(part.subarray(0, n), used);
        used += n;
      }
    }
    new Uint8Array(c.memory.buffer, buf, used).set(out.subarray(0, used));
    new DataView(c.memory.buffer).setUint32(usedPtr, used, true);
    return ESUCCESS;
  }

  private clockTime(id: number, timePtr: number): number {
    let ns: bigint;
    if (id === 0) ns = BigInt(Date.now()) * 1_000_000n;
    else if (id <= 3) ns = process.hrtime.bigint();
    else return EINVAL;
    new DataView(this.call().memory.buffer).setBigUint64(timePtr, ns, true);
    return ESUCCESS;
  }
}

function direntType(fds: FdTable, fd: number, name: string): number {
  const dir = fds.get(fd);
  try {
    return dir === undefined ? 0 : fileType(statSync(`${dir.path}/${name}`));
  } catch {
    return 0;
  }
}

function denied(): number {
  return ENOTCAPABLE;
}

function writeSizes(mem: WebAssembly.Memory, countPtr: number, count: number, sizePtr: number,
  size: number): number {
  const view = new DataView(mem.buffer);
  view.setUint32(countPtr, count, true);
  view.setUint32(sizePtr, size, true);
  return ESUCCESS;
}

/** Copies NUL-separated strings to `bufPtr` and their addresses to `ptrsPtr`. */
function writeStrings(mem: WebAssembly.Memory, ptrsPtr: number, bufPtr: number,
  strings: Uint8Array): number {
  const buf = mem.buffer;
  new Uint8Array(buf, bufPtr, strings.length).set(strings);
  const view = new DataView(buf);
  let start = 0;
  let slot = 0;
  for (let i = 0; i < strings.length; i++) {
    if (strings[i] !== 0) continue;
    view.setUint32(ptrsPtr + slot * 4, bufPtr + start, true);
    slot++;
    start = i + 1;
  }
  return ESUCCESS;
}
