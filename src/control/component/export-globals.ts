// Deploy-time instrumentation of a core module: export every mutable global it defines, so that
// a worker can read them after instantiation and write them back when it recycles an instance.
// Only the export section changes; code and data are copied byte for byte.
// Spec: WebAssembly core 1.0/2.0, binary format §5.5 (modules), §5.4.9 (constant expressions).

const GLOBAL_SECTION = 6;
const EXPORT_SECTION = 7;
const IMPORT_SECTION = 2;
const GLOBAL_KIND = 0x03;

/** Exported mutable globals are named `warp.global.<index>`. */
export const GLOBAL_EXPORT_PREFIX = 'warp.global.';

class Reader {
  constructor(readonly bytes: Uint8Array, public at = 0) {}

  byte(): number {
    const b = this.bytes[this.at++];
    if (b === undefined) throw new RangeError('core module ends early');
    return b;
  }

  /** Unsigned or signed LEB128: only its length matters when skipping. */
  leb(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if ((b & 0x80) === 0) return result;
      if (shift > 70) throw new RangeError('LEB128 number too long in core module');
    }
  }

  skip(n: number): void {
    this.at += n;
  }

  name(): string {
    const length = this.leb();
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, length)
      .toString('utf8');
    this.at += length;
    return text;
  }
}

/** Skips a constant expression up to and including its `end`. */
function skipConstExpr(r: Reader): void {
  for (;;) {
    const op = r.byte();
    if (op === 0x0b) return;
    if (op === 0x41 || op === 0x42 || op === 0x23 || op === 0xd2) r.leb();
    else if (op === 0x43) r.skip(4);
    else if (op === 0x44) r.skip(8);
    else if (op === 0xd0) r.leb();
    else if (op === 0xfd && r.leb() === 12) r.skip(16);
    else if (![0x6a, 0x6b, 0x6c, 0x7c, 0x7d, 0x7e].includes(op)) {
      throw new RangeError(`unsupported opcode 0x${op.toString(16)} in a global initializer`);
    }
  }
}

/** A value type: one byte, or a typed reference (0x63/0x64 plus a heap type). */
function skipValType(r: Reader): number {
  const type = r.byte();
  if (type === 0x63 || type === 0x64) r.leb();
  return type;
}

function countImportedGlobals(r: Reader, end: number): number {
  let globals = 0;
  const count = r.leb();
  for (let i = 0; i < count && r.at < end; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x00) r.leb();
    else if (kind === 0x01) {
      skipValType(r);
      skipLimits(r);
    } else if (kind === 0x02) skipLimits(r);
    else if (kind === GLOBAL_KIND) {
      skipValType(r);
      r.byte();
      globals++;
    } else if (kind === 0x04) {
      r.byte();
      r.leb();
    } else throw new RangeError(`unknown import kind 0x${kind.toString(16)}`);
  }
  return globals;
}

function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.leb();
  if (flags & 0x01) r.leb();
}

/** Indexes of the mutable globals a module defines, with their value types. */
function mutableGlobals(r: Reader, firstIndex: number): Array<{ index: number; type: number }> {
  const found: Array<{ index: number; type: number }> = [];
  const count = r.leb();
  for (let i = 0; i < count; i++) {
    const type = skipValType(r);
    const mutable = r.byte() === 0x01;
    skipConstExpr(r);
    if (mutable) found.push({ index: firstIndex + i, type });
  }
  return found;
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

function exportEntries(globals: number[]): number[] {
  const out: number[] = [];
  for (const index of globals) {
    const name = Buffer.from(`${GLOBAL_EXPORT_PREFIX}${index}`);
    out.push(...uleb(name.length), ...name, GLOBAL_KIND, ...uleb(index));
  }
  return out;
}

function section(id: number, body: Uint8Array | number[]): Buffer {
  return Buffer.concat([Buffer.from([id, ...uleb(body.length)]), Buffer.from(body)]);
}

/** Sections that follow the export section in a module's binary order. */
const AFTER_EXPORTS = new Set([8, 9, 10, 11, 12]);

export interface GlobalExports {
  bytes: Uint8Array;
  /** Indexes of the globals now exported as `warp.global.<index>`. */
  globals: number[];
  /** Why the module cannot be recycled, or null: a v128 global cannot be saved from JS. */
  unsupported: string | null;
}

/** Rewrites a core module so that it exports each mutable global it defines. */
export function exportMutableGlobals(bytes: Uint8Array): GlobalExports {
  const r = new Reader(bytes, 8);
  const sections: Array<{ id: number; start: number; bodyStart: number; end: number }> = [];
  let importedGlobals = 0;
  let mutable: Array<{ index: number; type: number }> = [];
  while (r.at < bytes.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.leb();
    const bodyStart = r.at;
    const end = bodyStart + size;
    if (id === IMPORT_SECTION) importedGlobals = countImportedGlobals(r, end);
    if (id === GLOBAL_SECTION) mutable = mutableGlobals(r, importedGlobals);
    sections.push({ id, start, bodyStart, end });
    r.at = end;
  }

  const globals = mutable.map((g) => g.index);
  const unsupported = mutable.some((g) => g.type === 0x7b) ? 'a mutable v128 global' : null;
  if (globals.length === 0) return { bytes, globals, unsupported };

  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let exported = false;
  for (const s of sections) {
    if (s.id === EXPORT_SECTION) {
      const body = new Reader(bytes, s.bodyStart);
      const count = body.leb();
      const rest = bytes.subarray(body.at, s.end);
      const entries = Buffer.from(exportEntries(globals));
      parts.push(section(EXPORT_SECTION,
        Buffer.concat([Buffer.from(uleb(count + globals.length)), rest, entries])));
      exported = true;
      continue;
    }
    if (!exported && AFTER_EXPORTS.has(s.id)) {
      parts.push(section(EXPORT_SECTION, [...uleb(globals.length), ...exportEntries(globals)]));
      exported = true;
    }
    parts.push(bytes.subarray(s.start, s.end));
  }
  if (!exported) {
    parts.push(section(EXPORT_SECTION, [...uleb(globals.length), ...exportEntries(globals)]));
  }
  return { bytes: Buffer.concat(parts), globals, unsupported };
}
