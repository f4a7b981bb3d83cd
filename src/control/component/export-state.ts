// Deploy-time instrumentation of a core module: export the state it defines (mutable globals,
// memories, tables) under `warp.*` names, so a worker can save that state after instantiation
// and put it back when it recycles an instance. Only the export section changes; code and data
// are copied byte for byte. Spec: WebAssembly core 2.0, binary format §5.5, §5.4.9.

import {
  BinaryReader, countImports, encodeName, encodeU32, readLimits, readSections, skipConstExpr,
  skipTableType, skipValType, type Section,
} from '../wasm/binary-reader.js';

const TABLE_SECTION = 4;
const MEMORY_SECTION = 5;
const GLOBAL_SECTION = 6;
const EXPORT_SECTION = 7;
const IMPORT_SECTION = 2;
/** Sections that follow the export section in a module's binary order. */
const AFTER_EXPORTS = new Set([8, 9, 10, 11, 12]);

const KIND = { table: 0x01, memory: 0x02, global: 0x03 } as const;
type Kind = keyof typeof KIND;

/** Exports are named `warp.global.3`, `warp.memory.0`, `warp.table.0`. */
export const STATE_EXPORT_PREFIX = 'warp.';

interface Defined {
  kind: Kind;
  index: number;
}

function definedTables(r: BinaryReader, first: number): Defined[] {
  const count = r.u32();
  const found: Defined[] = [];
  for (let i = 0; i < count; i++) {
    if (r.bytes[r.pos] === 0x40) {
      r.skip(2);
      skipTableType(r);
      skipConstExpr(r);
    } else skipTableType(r);
    found.push({ kind: 'table', index: first + i });
  }
  return found;
}

function definedMemories(r: BinaryReader, first: number): Defined[] {
  const count = r.u32();
  const found: Defined[] = [];
  for (let i = 0; i < count; i++) {
    readLimits(r);
    found.push({ kind: 'memory', index: first + i });
  }
  return found;
}

/** Mutable globals only; a v128 one cannot be read from JS, so it makes the module unfit. */
function mutableGlobals(r: BinaryReader, first: number): { found: Defined[]; v128: boolean } {
  const count = r.u32();
  const found: Defined[] = [];
  let v128 = false;
  for (let i = 0; i < count; i++) {
    const type = skipValType(r);
    const mutable = r.byte() === 0x01;
    skipConstExpr(r);
    if (!mutable) continue;
    if (type === 0x7b) v128 = true;
    else found.push({ kind: 'global', index: first + i });
  }
  return { found, v128 };
}

function exportEntries(items: Defined[]): Buffer {
  const out: number[] = [];
  for (const { kind, index } of items) {
    out.push(...encodeName(`${STATE_EXPORT_PREFIX}${kind}.${index}`), KIND[kind],
      ...encodeU32(index));
  }
  return Buffer.from(out);
}

function section(id: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([id, ...encodeU32(body.length)]), body]);
}

export interface StateExports {
  bytes: Uint8Array;
  /** Why the module's state cannot be saved from JS, or null when it can. */
  unfit: string | null;
}

/** The module's sections, and the state it defines that can be exported. */
function definedState(bytes: Uint8Array): { sections: Section[]; items: Defined[];
  v128: boolean } {
  const sections = readSections(bytes);
  const imported = countImports(bytes, sections.find((s) => s.id === IMPORT_SECTION));
  const items: Defined[] = [];
  let v128 = false;
  for (const s of sections) {
    const r = new BinaryReader(bytes, s.payload);
    if (s.id === TABLE_SECTION) items.push(...definedTables(r, imported.tables));
    else if (s.id === MEMORY_SECTION) items.push(...definedMemories(r, imported.memories));
    else if (s.id === GLOBAL_SECTION) {
      const globals = mutableGlobals(r, imported.globals);
      items.push(...globals.found);
      v128 = globals.v128;
    }
  }
  return { sections, items, v128 };
}

/** Rewrites a core module so that it also exports its mutable globals, memories and tables. */
export function exportState(bytes: Uint8Array): StateExports {
  const { sections, items, v128 } = definedState(bytes);
  const unfit = v128 ? 'it has a mutable v128 global, which JS cannot save' : null;
  if (items.length === 0) return { bytes, unfit };

  const added = exportEntries(items);
  const onlyAdded = section(EXPORT_SECTION, Buffer.concat([Buffer.from(encodeU32(items.length)),
    added]));
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let exported = false;
  for (const s of sections) {
    if (s.id === EXPORT_SECTION) {
      const body = new BinaryReader(bytes, s.payload);
      const count = body.u32();
      parts.push(section(EXPORT_SECTION, Buffer.concat([
        Buffer.from(encodeU32(count + items.length)), bytes.subarray(body.pos, s.end), added])));
      exported = true;
      continue;
    }
    if (!exported && AFTER_EXPORTS.has(s.id)) {
      parts.push(onlyAdded);
      exported = true;
    }
    parts.push(bytes.subarray(s.start, s.end));
  }
  if (!exported) {
    parts.push(onlyAdded);
  }
  return { bytes: Buffer.concat(parts), unfit };
}
