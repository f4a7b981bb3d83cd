// Deploy-time instrumentation of a core module: export the state it defines (mutable globals,
// memories, tables) under `warp.*` names, so a worker can save that state after instantiation
// and put it back when it recycles an instance. Only the export section changes; code and data
// are copied byte for byte. Spec: WebAssembly core 2.0, binary format §5.5, §5.4.9.

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

class Reader {
  constructor(readonly bytes: Uint8Array, public at = 0) {}

  byte(): number {
    const b = this.bytes[this.at++];
    if (b === undefined) throw new RangeError('core module ends early');
    return b;
  }

  /** Unsigned or signed LEB128; the value is exact below 2^32, which is all this reads. */
  leb(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      const b = this.byte();
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw new RangeError('LEB128 number too long in core module');
  }

  skipName(): void {
    const length = this.leb();
    this.at += length;
  }
}

/** Skips a constant expression up to and including its `end`. */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2 || op === 0xd0) r.leb();
    else if (op === 0x43) r.at += 4;
    else if (op === 0x44) r.at += 8;
    else if (op === 0xfd && r.leb() === 12) r.at += 16;
    else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) {
      throw new RangeError(`unsupported opcode 0x${op.toString(16)} in a constant expression`);
    }
  }
}

/** A value type: one byte, or a typed reference (0x63/0x64 and a heap type). */
function skipValType(r: Reader): number {
  const type = r.byte();
  if (type === 0x63 || type === 0x64) r.leb();
  return type;
}

function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.leb();
  if (flags & 0x01) r.leb();
}

function skipTableType(r: Reader): void {
  skipValType(r);
  skipLimits(r);
}

type Imported = Record<Kind, number>;

function countImports(r: Reader): Imported {
  const imported: Imported = { table: 0, memory: 0, global: 0 };
  const count = r.leb();
  for (let i = 0; i < count; i++) {
    r.skipName();
    r.skipName();
    const kind = r.byte();
    if (kind === 0x00) r.leb();
    else if (kind === KIND.table) {
      skipTableType(r);
      imported.table++;
    } else if (kind === KIND.memory) {
      skipLimits(r);
      imported.memory++;
    } else if (kind === KIND.global) {
      skipValType(r);
      r.byte();
      imported.global++;
    } else if (kind === 0x04) {
      r.byte();
      r.leb();
    } else throw new RangeError(`unknown import kind 0x${kind.toString(16)}`);
  }
  return imported;
}

interface Defined {
  kind: Kind;
  index: number;
}

function definedTables(r: Reader, first: number): Defined[] {
  const count = r.leb();
  const found: Defined[] = [];
  for (let i = 0; i < count; i++) {
    if (r.bytes[r.at] === 0x40) {
      r.at += 2;
      skipTableType(r);
      skipConstExpr(r);
    } else skipTableType(r);
    found.push({ kind: 'table', index: first + i });
  }
  return found;
}

function definedMemories(r: Reader, first: number): Defined[] {
  const count = r.leb();
  const found: Defined[] = [];
  for (let i = 0; i < count; i++) {
    skipLimits(r);
    found.push({ kind: 'memory', index: first + i });
  }
  return found;
}

/** Mutable globals only; a v128 one cannot be read from JS, so it makes the module unfit. */
function mutableGlobals(r: Reader, first: number): { found: Defined[]; v128: boolean } {
  const count = r.leb();
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

function uleb(value: number): number[] {
  const out: number[] = [];
  let rest = value;
  do {
    let b = rest & 0x7f;
    rest = Math.floor(rest / 128);
    if (rest !== 0) b |= 0x80;
    out.push(b);
  } while (rest !== 0);
  return out;
}

function exportEntries(items: Defined[]): Buffer {
  const out: number[] = [];
  for (const { kind, index } of items) {
    const name = Buffer.from(`${STATE_EXPORT_PREFIX}${kind}.${index}`);
    out.push(...uleb(name.length), ...name, KIND[kind], ...uleb(index));
  }
  return Buffer.from(out);
}

function section(id: number, body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([id, ...uleb(body.length)]), body]);
}

interface Section {
  id: number;
  start: number;
  bodyStart: number;
  end: number;
}

export interface StateExports {
  bytes: Uint8Array;
  /** Why the module's state cannot be saved from JS, or null when it can. */
  unfit: string | null;
}

function readSections(bytes: Uint8Array): { sections: Section[]; items: Defined[]; v128: boolean } {
  const r = new Reader(bytes, 8);
  const sections: Section[] = [];
  let imported: Imported = { table: 0, memory: 0, global: 0 };
  const items: Defined[] = [];
  let v128 = false;
  while (r.at < bytes.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.leb();
    const bodyStart = r.at;
    if (id === IMPORT_SECTION) imported = countImports(r);
    else if (id === TABLE_SECTION) items.push(...definedTables(r, imported.table));
    else if (id === MEMORY_SECTION) items.push(...definedMemories(r, imported.memory));
    else if (id === GLOBAL_SECTION) {
      const globals = mutableGlobals(r, imported.global);
      items.push(...globals.found);
      v128 = globals.v128;
    }
    sections.push({ id, start, bodyStart, end: bodyStart + size });
    r.at = bodyStart + size;
  }
  return { sections, items, v128 };
}

/** Rewrites a core module so that it also exports its mutable globals, memories and tables. */
export function exportState(bytes: Uint8Array): StateExports {
  const { sections, items, v128 } = readSections(bytes);
  const unfit = v128 ? 'it has a mutable v128 global, which JS cannot save' : null;
  if (items.length === 0) return { bytes, unfit };

  const added = exportEntries(items);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let exported = false;
  for (const s of sections) {
    if (s.id === EXPORT_SECTION) {
      const body = new Reader(bytes, s.bodyStart);
      const count = body.leb();
      parts.push(section(EXPORT_SECTION, Buffer.concat([Buffer.from(uleb(count + items.length)),
        bytes.subarray(body.at, s.end), added])));
      exported = true;
      continue;
    }
    if (!exported && AFTER_EXPORTS.has(s.id)) {
      parts.push(section(EXPORT_SECTION, Buffer.concat([Buffer.from(uleb(items.length)), added])));
      exported = true;
    }
    parts.push(bytes.subarray(s.start, s.end));
  }
  if (!exported) {
    parts.push(section(EXPORT_SECTION, Buffer.concat([Buffer.from(uleb(items.length)), added])));
  }
  return { bytes: Buffer.concat(parts), unfit };
}
