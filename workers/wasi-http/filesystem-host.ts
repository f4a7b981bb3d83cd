// wasi:filesystem for component guests: the app's `files` grant as read-only preopened
// directories. Paths are resolved by the same code as WAGI's preopens (workers/wagi/preopens.ts):
// absolute paths, `..` above the root, NUL bytes and symlinks that lead outside are refused with
// `not-permitted`, and anything that would write is refused with `read-only`. What a request opens
// is closed when it ends; a descriptor kept past its request answers `bad-descriptor`.
// Spec: WebAssembly/wasi-filesystem 0.2, types.wit and preopens.wit.

import { readdirSync, readSync, statSync } from 'node:fs';

import type { FileGrant } from '../guest-types.js';
import { E, Preopens, type FdTable } from '../wagi/preopens.js';
import { descriptorStat, metadataHash, typeOf } from './file-metadata.js';
import { InputStream, IoError, STREAM_CLOSED } from './io-host.js';

/** One read hands back at most this much; a guest reads again for more. */
const MAX_READ = 1024 * 1024;
const READ_ONLY = 'read-only';
const O_DIRECTORY = 0x2;

const ERRNO_CODES = new Map<number, string>([
  [E.BADF, 'bad-descriptor'], [E.INVAL, 'invalid'], [E.ISDIR, 'is-directory'],
  [E.NOENT, 'no-entry'], [E.NOTDIR, 'not-directory'], [E.ROFS, READ_ONLY],
  [E.NOTCAPABLE, 'not-permitted'],
]);
const NODE_CODES = new Map<string, string>([
  ['EACCES', 'access'], ['EPERM', 'not-permitted'], ['ENOENT', 'no-entry'],
  ['ENOTDIR', 'not-directory'], ['EISDIR', 'is-directory'], ['ELOOP', 'loop'],
  ['ENAMETOOLONG', 'name-too-long'], ['EMFILE', 'insufficient-memory'],
]);
const encoder = new TextEncoder();

interface PathFlags {
  symlinkFollow: boolean;
}

interface OpenFlags {
  create: boolean;
  directory: boolean;
  exclusive: boolean;
  truncate: boolean;
}

interface DescriptorFlags {
  write: boolean;
  mutateDirectory: boolean;
}

/** An errno from FdTable, or an error Node threw, as a wasi:filesystem error-code. */
function codeOf(failure: unknown): string {
  if (typeof failure === 'number') return ERRNO_CODES.get(Math.abs(failure)) ?? 'io';
  return NODE_CODES.get((failure as NodeJS.ErrnoException).code ?? '') ?? 'io';
}

/** Runs a host file operation; what Node throws becomes the guest's error-code. */
function hostCall<T>(operation: () => T): T {
  try {
    return operation();
  } catch (err) {
    if (typeof err === 'string') throw err;
    throw codeOf(err);
  }
}

function refuseWrite(): never {
  throw READ_ONLY;
}

/** The granted directories of one app, and the descriptor table of the request running now. */
export class FilesHost {
  private readonly preopens: Preopens;
  /** The running request's table; null between requests. */
  table: FdTable | null = null;

  constructor(grants: readonly FileGrant[]) {
    this.preopens = new Preopens([...grants]);
  }

  get granted(): boolean {
    return this.preopens.mappings.length > 0;
  }

  begin(): void {
    if (this.granted) this.table = this.preopens.table();
  }

  end(): void {
    this.table?.closeAll();
    this.table = null;
  }

  /** wasi:filesystem/preopens get-directories: none outside a request. */
  directories(): Array<[Descriptor, string]> {
    if (this.table === null) return [];
    return this.preopens.mappings.map((m, i) => [new Descriptor(this, 3 + i, null), m.guest]);
  }
}

export class Descriptor {
  /**
   * `table` is null for a preopen, which stays valid from request to request (it is the same
   * directory in every table); anything opened belongs to the table it was opened in.
   */
  constructor(
    private readonly files: FilesHost,
    private readonly fd: number,
    private readonly table: FdTable | null,
  ) {}

  /** The live table, or `bad-descriptor` when this descriptor's request is over. */
  private live(): FdTable {
    const table = this.files.table;
    if (table === null || (this.table !== null && this.table !== table)) throw 'bad-descriptor';
    return table;
  }

  private open(): { table: FdTable; path: string; hostFd: number; root: string } {
    const table = this.live();
    const open = table.get(this.fd);
    if (open === undefined) throw 'bad-descriptor';
    return { table, ...open };
  }

  /** Resolves `path` under this directory, inside its mapping, following symlinks. */
  private resolve(path: string): { table: FdTable; hostPath: string; root: string } {
    const { table, root } = this.open();
    const resolved = table.resolve(this.fd, encoder.encode(path));
    if (typeof resolved === 'number') throw codeOf(resolved);
    return { table, hostPath: resolved, root };
  }

  openAt(_pathFlags: PathFlags, path: string, openFlags: OpenFlags,
    flags: DescriptorFlags): Descriptor {
    if (openFlags.create || openFlags.exclusive || openFlags.truncate || flags.write ||
      flags.mutateDirectory) {
      refuseWrite();
    }
    const { table, hostPath, root } = this.resolve(path);
    const fd = hostCall(() => table.openPath(hostPath, root,
      openFlags.directory ? O_DIRECTORY : 0, 0));
    if (fd < 0) throw codeOf(fd);
    return new Descriptor(this.files, fd, table);
  }

  read(length: bigint, offset: bigint): [Uint8Array, boolean] {
    const { hostFd } = this.open();
    if (hostFd === -1) throw 'is-directory';
    const want = Math.min(Number(length), MAX_READ);
    const bytes = new Uint8Array(want);
    const got = hostCall(() => readSync(hostFd, bytes, 0, want, Number(offset)));
    return [bytes.subarray(0, got), got < want];
  }

  readViaStream(offset: bigint): InputStream {
    const { hostFd } = this.open();
    if (hostFd === -1) throw 'is-directory';
    return new FileStream(this, hostFd, Number(offset));
  }

  /** Whether this descriptor's request is still running; file streams check before reading. */
  usable(): boolean {
    try {
      this.live();
      return true;
    } catch {
      return false;
    }
  }

  stat(): object {
    const { path } = this.open();
    return descriptorStat(hostCall(() => statSync(path)));
  }

  statAt(_pathFlags: PathFlags, path: string): object {
    const { hostPath } = this.resolve(path);
    return descriptorStat(hostCall(() => statSync(hostPath)));
  }

  metadataHash(): object {
    const { path } = this.open();
    return metadataHash(hostCall(() => statSync(path)));
  }

  metadataHashAt(_pathFlags: PathFlags, path: string): object {
    const { hostPath } = this.resolve(path);
    return metadataHash(hostCall(() => statSync(hostPath)));
  }

  getType(): string {
    const { path } = this.open();
    return typeOf(hostCall(() => statSync(path)));
  }

  getFlags(): object {
    this.open();
    return { read: true };
  }

  readDirectory(): DirectoryEntryStream {
    const { path, hostFd } = this.open();
    if (hostFd !== -1) throw 'not-directory';
    const entries = hostCall(() => readdirSync(path, { withFileTypes: true }));
    return new DirectoryEntryStream(entries.map((d) => ({ type: typeOf(d), name: d.name })));
  }

  isSameObject(other: Descriptor): boolean {
    return this.open().path === other.open().path;
  }

  /** Symlink targets are host paths; they are not shown to the guest. */
  readlinkAt(path: string): never {
    this.resolve(path);
    throw 'not-permitted';
  }

  advise(): void {
    this.open();
  }

  syncData(): void {
    this.open();
  }

  sync(): void {
    this.open();
  }
}

/** Every way to change the file system; each is refused with `read-only`. */
const WRITES = ['writeViaStream', 'appendViaStream', 'setSize', 'setTimes', 'write',
  'createDirectoryAt', 'setTimesAt', 'linkAt', 'removeDirectoryAt', 'renameAt', 'symlinkAt',
  'unlinkFileAt'];
for (const name of WRITES) {
  Object.defineProperty(Descriptor.prototype, name, { value: refuseWrite });
}

/** A file read from `offset` on, for as long as its request runs. */
class FileStream extends InputStream {
  constructor(private readonly file: Descriptor, private readonly hostFd: number,
    private position: number) {
    super(new Uint8Array(0));
  }

  override read(len: bigint): Uint8Array {
    if (!this.file.usable()) {
      throw { tag: 'last-operation-failed', val: new FileError('bad-descriptor') };
    }
    const bytes = new Uint8Array(Math.min(Number(len), MAX_READ));
    let got: number;
    try {
      got = readSync(this.hostFd, bytes, 0, bytes.length, this.position);
    } catch (err) {
      throw { tag: 'last-operation-failed', val: new FileError(codeOf(err)) };
    }
    if (got === 0 && bytes.length > 0) throw STREAM_CLOSED;
    this.position += got;
    return bytes.subarray(0, got);
  }
}

/** A stream error from a file read, carrying the error-code filesystem-error-code finds. */
class FileError extends IoError {
  constructor(readonly code: string) {
    super(`file read failed: ${code}`);
  }
}

export class DirectoryEntryStream {
  private next = 0;

  constructor(private readonly entries: Array<{ type: string; name: string }>) {}

  readDirectoryEntry(): { type: string; name: string } | undefined {
    return this.entries[this.next++];
  }
}

export function filesystemInterfaces(files: FilesHost): Record<string, object> {
  return {
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: (err: IoError) => (err instanceof FileError ? err.code : undefined),
    },
    'wasi:filesystem/preopens': { getDirectories: () => files.directories() },
  };
}
