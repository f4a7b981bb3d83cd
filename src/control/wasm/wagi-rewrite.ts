// Deploy-time rewriting of a WAGI core module, on the binary, before it is compiled:
// - the memory's maximum is lowered to limits.memory, so memory.grow fails past it;
// - every mutable global and every table is exported under a reserved name, so a worker can
//   snapshot an instance's state and restore it after each request (see workers/wagi/recycle).
// Function bodies are copied through untouched.

import { WarpError } from '../../errors.js';
import {
  BinaryReader, countImports, encodeName, encodeU32, readLimits, readSections, skipConstExpr,
  skipValType, type Section,
} from './binary-reader.js';

export const GLOBAL_EXPORT_PREFIX = '__warp_global_';
export const TABLE_EXPORT_PREFIX = '__warp_table_';

const SEC_IMPORT = 2;
const SEC_TABLE = 4;
const SEC_MEMORY = 5;
const SEC_GLOBAL = 6;
const SEC_EXPORT = 7;
/** Sections that must come after the export section. */
const AFTER_EXPORT = new Set([8, 9, 10, 11, 12]);
const PAGE = 65536;
const KIND_TABLE = 1;
const KIND_GLOBAL = 3;

export interface RewriteResult {
  bytes: Uint8Array;
  memoryPages: { min: number; max: number };
}

export function rewriteWagiModule(bytes: Uint8Array, memoryLimit: number,
  label: string): RewriteResult {
  try {
    return rewrite(bytes, memoryLimit, label);
  } catch (err) {
    if (err instanceof WarpError) throw err;
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: the module is malformed: ${(err as Error).message}`);
  }
}

function rewrite(bytes: Uint8Array, memoryLimit: number, label: string): RewriteResult {
  const sections = readSections(bytes);
  const find = (id: number) => sections.find((s) => s.id === id);
  const counts = countImports(bytes, find(SEC_IMPORT));
  const mutableGlobals = readMutableGlobals(bytes, find(SEC_GLOBAL), counts.globals);
  const tableCount = counts.tables + countEntries(bytes, find(SEC_TABLE));
  const limitPages = Math.floor(memoryLimit / PAGE);

  const memory = find(SEC_MEMORY);
  if (memory === undefined) {
    throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: the module defines no memory`);
  }
  const { section: newMemory, pages } = lowerMemoryMax(bytes, memory, limitPages, label);
  const newExports = withStateExports(bytes, find(SEC_EXPORT), mutableGlobals, tableCount);

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let exportWritten = false;
  for (const s of sections) {
    if (!exportWritten && (s.id === SEC_EXPORT || AFTER_EXPORT.has(s.id))) {
      parts.push(newExports);
      exportWritten = true;
    }
    if (s.id === SEC_EXPORT) continue;
    parts.push(s === memory ? newMemory : bytes.subarray(s.start, s.end));
  }
  if (!exportWritten) parts.push(newExports);
  return { bytes: concat(parts), memoryPages: pages };
}

function readMutableGlobals(bytes: Uint8Array, s: Section | undefined, base: number): number[] {
  if (s === undefined) return [];
  const r = new BinaryReader(bytes, s.payload);
  const out: number[] = [];
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    skipValType(r);
    if (r.byte() === 1) out.push(base + i);
    skipConstExpr(r);
  }
  return out;
}

function countEntries(bytes: Uint8Array, s: Section | undefined): number {
  return s === undefined ? 0 : new BinaryReader(bytes, s.payload).u32();
}

function lowerMemoryMax(bytes: Uint8Array, s: Section, limitPages: number, label: string) {
  const r = new BinaryReader(bytes, s.payload);
  if (r.u32() !== 1) throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: expected one memory`);
  const { flags, min, max } = readLimits(r);
  if ((flags & ~1) !== 0) {
    throw new WarpError('WARP_E_BAD_ARTIFACT',
      `${label}: shared or 64-bit memories are not supported`);
  }
  if (min > limitPages) {
    throw new WarpError('WARP_E_BAD_ARTIFACT', `${label}: the module starts with ${min * 64} KiB ` +
      `of memory, over limits.memory (${limitPages * 64} KiB); raise limits.memory`);
  }
  const newMax = Math.min(max ?? limitPages, limitPages);
  const payload = [1, 0x01, ...encodeU32(min), ...encodeU32(newMax)];
  const section = Uint8Array.from([SEC_MEMORY, ...encodeU32(payload.length), ...payload]);
  return { section, pages: { min, max: newMax } };
}

function withStateExports(bytes: Uint8Array, s: Section | undefined, globals: number[],
  tables: number): Uint8Array {
  const entries: number[] = [];
  let count = 0;
  if (s !== undefined) {
    const r = new BinaryReader(bytes, s.payload);
    count = r.u32();
    entries.push(...bytes.subarray(r.pos, s.end));
  }
  for (const index of globals) {
    entries.push(...encodeName(`${GLOBAL_EXPORT_PREFIX}${index}`), KIND_GLOBAL,
      ...encodeU32(index));
    count++;
  }
  for (let index = 0; index < tables; index++) {
    entries.push(...encodeName(`${TABLE_EXPORT_PREFIX}${index}`), KIND_TABLE, ...encodeU32(index));
    count++;
  }
  const payload = [...encodeU32(count), ...entries];
  return Uint8Array.from([SEC_EXPORT, ...encodeU32(payload.length), ...payload]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
