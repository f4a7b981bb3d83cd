// Read-only directory grants for WAGI guests, as WASI preview1 preopened descriptors.
// Every path is resolved on the host and must stay inside its mapping: absolute paths, `..`
// above the root, NUL bytes and symlinks that lead outside are refused with ENOTCAPABLE, and
// anything that would write is refused with EROFS. Descriptors a request opens are closed when
// it ends. Layouts follow WebAssembly/WASI legacy/preview1/docs.md.

import {
  closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, type Stats,
} from 'node:fs';
import { join, sep } from 'node:path';

import type { FileGrant } from '../guest-types.js';

export const E = {
  SUCCESS: 0, BADF: 8, INVAL: 28, ISDIR: 31, NOENT: 44, NOTDIR: 54, ROFS: 69, NOTCAPABLE: 76,
} as const;

const FILETYPE_DIRECTORY = 3;
const FILETYPE_REGULAR = 4;
const OFLAGS_WRITING = 0x1 | 0x4 | 0x8;
const OFLAG_DIRECTORY = 0x2;
const FDFLAG_APPEND = 0x1;
const RIGHTS_READ_FILE = 0x2n | 0x4n | 0x20n | 0x200000n;
const RIGHTS_READ_DIR = 0x2000n | 0x4000n | 0x40000n | 0x200000n;
const decoder = new TextDecoder('utf-8', { fatal: true });

interface Mapping {
  guest: string;
  guestBytes: Uint8Array;
  root: string;
}

interface Open {
  /** Host path, resolved and checked. */
  path: string;
  /** Host descriptor of a regular file, or -1 for a directory. */
  hostFd: number;
  position: number;
  root: string;
}

/** The directories an app is granted; shared by all of its instances. */
export class Preopens {
  readonly mappings: Mapping[];

  constructor(grants: FileGrant[]) {
    this.mappings = grants.map((g) => {
      const root = realpathSync(g.source);
      return { guest: g.guest, guestBytes: new TextEncoder().encode(g.guest), root };
    });
  }

  table(): FdTable {
    return new FdTable(this.mappings);
  }
}

/** The descriptors of one request: preopens from fd 3, then what the guest opens. */
export class FdTable {
  private readonly open = new Map<number, Open>();
  private next: number;

  constructor(private readonly mappings: Mapping[]) {
    this.next = 3 + mappings.length;
    mappings.forEach((m, i) => {
      this.open.set(3 + i, { path: m.root, hostFd: -1, position: 0, root: m.root });
    });
  }

  mapping(fd: number): Mapping | undefined {
    return this.mappings[fd - 3];
  }

  get(fd: number): Open | undefined {
    return this.open.get(fd);
  }

  /** Resolves `rel` under the directory `fd`; a string path, or an errno. */
  resolve(fd: number, rel: Uint8Array): string | number {
    const dir = this.open.get(fd);
    if (dir === undefined) return E.BADF;
    if (dir.hostFd !== -1) return E.NOTDIR;
    if (rel.includes(0)) return E.NOTCAPABLE;
    let text: string;
    try {
      text = decoder.decode(rel);
    } catch {
      return E.INVAL;
    }
    if (text.startsWith('/')) return E.NOTCAPABLE;

    const parts = dir.path === dir.root ? [] : dir.path.slice(dir.root.length + 1).split(sep);
    for (const part of text.split('/')) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (parts.length === 0) return E.NOTCAPABLE;
        parts.pop();
      } else {
        parts.push(part);
      }
    }
    return this.contain(dir.root, join(dir.root, ...parts));
  }

  openPath(path: string, root: string, oflags: number, fdflags: number): number {
    if ((oflags & OFLAGS_WRITING) !== 0 || (fdflags & FDFLAG_APPEND) !== 0) return -E.ROFS;
    let stats: Stats;
    try {
      stats = statSync(path);
    } catch {
      return -E.NOENT;
    }
    if ((oflags & OFLAG_DIRECTORY) !== 0 && !stats.isDirectory()) return -E.NOTDIR;
    const hostFd = stats.isDirectory() ? -1 : openSync(path, 'r');
    const fd = this.next++;
    this.open.set(fd, { path, hostFd, position: 0, root });
    return fd;
  }

  read(fd: number, into: Uint8Array): number {
    const file = this.open.get(fd);
    if (file === undefined) return -E.BADF;
    if (file.hostFd === -1) return -E.ISDIR;
    const n = readSync(file.hostFd, into, 0, into.length, file.position);
    file.position += n;
    return n;
  }

  seek(fd: number, offset: number, whence: number): number {
    const file = this.open.get(fd);
    if (file === undefined) return -E.BADF;
    if (file.hostFd === -1) return -E.ISDIR;
    const base = whence === 0 ? 0 : whence === 1 ? file.position
      : whence === 2 ? fstatSync(file.hostFd).size : NaN;
    const to = base + offset;
    if (!(to >= 0)) return -E.INVAL;
    file.position = to;
    return to;
  }

  close(fd: number): number {
    const file = this.open.get(fd);
    if (file === undefined) return E.BADF;
    if (fd >= 3 + this.mappings.length) {
      if (file.hostFd !== -1) closeSync(file.hostFd);
      this.open.delete(fd);
    }
    return E.SUCCESS;
  }

  /** Closes what the request opened. */
  closeAll(): void {
    for (const [fd, file] of this.open) {
      if (fd >= 3 + this.mappings.length && file.hostFd !== -1) closeSync(file.hostFd);
    }
  }

  stat(fd: number): Stats | number {
    const file = this.open.get(fd);
    if (file === undefined) return E.BADF;
    return file.hostFd === -1 ? statSync(file.path) : fstatSync(file.hostFd);
  }

  list(fd: number): string[] | number {
    const file = this.open.get(fd);
    if (file === undefined) return E.BADF;
    if (file.hostFd !== -1) return E.NOTDIR;
    return readdirSync(file.path);
  }

  /** The real path must still be inside the root once symlinks are followed. */
  private contain(root: string, path: string): string | number {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      return path.startsWith(root) ? path : E.NOTCAPABLE;
    }
    return real === root || real.startsWith(root + sep) ? real : E.NOTCAPABLE;
  }
}

export function fileType(stats: Stats): number {
  return stats.isDirectory() ? FILETYPE_DIRECTORY : FILETYPE_REGULAR;
}

export function rightsFor(stats: Stats): bigint {
  return stats.isDirectory() ? RIGHTS_READ_DIR | RIGHTS_READ_FILE : RIGHTS_READ_FILE;
}

/** Writes a preview1 filestat (64 bytes). */
export function writeFilestat(view: DataView, at: number, stats: Stats): void {
  view.setBigUint64(at, BigInt(stats.dev), true);
  view.setBigUint64(at + 8, BigInt(stats.ino), true);
  view.setUint8(at + 16, fileType(stats));
  view.setBigUint64(at + 24, BigInt(stats.nlink), true);
  view.setBigUint64(at + 32, BigInt(stats.size), true);
  view.setBigUint64(at + 40, BigInt(Math.round(stats.atimeMs * 1e6)), true);
  view.setBigUint64(at + 48, BigInt(Math.round(stats.mtimeMs * 1e6)), true);
  view.setBigUint64(at + 56, BigInt(Math.round(stats.ctimeMs * 1e6)), true);
}
