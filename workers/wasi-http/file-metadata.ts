// File metadata as wasi:filesystem shows it: descriptor types, descriptor-stat records and
// metadata hashes, from what node:fs reports. Spec: WebAssembly/wasi-filesystem 0.2, types.wit.

import type { Dirent, Stats } from 'node:fs';

export function typeOf(stats: Stats | Dirent): string {
  if (stats.isFile()) return 'regular-file';
  if (stats.isDirectory()) return 'directory';
  if (stats.isSymbolicLink()) return 'symbolic-link';
  if (stats.isFIFO()) return 'fifo';
  if (stats.isSocket()) return 'socket';
  if (stats.isBlockDevice()) return 'block-device';
  if (stats.isCharacterDevice()) return 'character-device';
  return 'unknown';
}

function datetime(ms: number): { seconds: bigint; nanoseconds: number } {
  const seconds = Math.floor(ms / 1000);
  return { seconds: BigInt(seconds), nanoseconds: Math.floor((ms - seconds * 1000) * 1e6) };
}

export function descriptorStat(stats: Stats): object {
  return {
    type: typeOf(stats),
    linkCount: BigInt(stats.nlink),
    size: BigInt(stats.size),
    dataAccessTimestamp: datetime(stats.atimeMs),
    dataModificationTimestamp: datetime(stats.mtimeMs),
    statusChangeTimestamp: datetime(stats.ctimeMs),
  };
}

/** Same file, same contents as far as metadata tells: the same hash. */
export function metadataHash(stats: Stats): { lower: bigint; upper: bigint } {
  const mtimeNs = BigInt(Math.round(stats.mtimeMs * 1e6));
  return {
    lower: BigInt.asUintN(64, BigInt(stats.ino) * 0x9e3779b97f4a7c15n ^ mtimeNs),
    upper: BigInt.asUintN(64, BigInt(stats.dev) * 0xc2b2ae3d27d4eb4fn ^ BigInt(stats.size)),
  };
}
