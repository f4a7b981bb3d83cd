// A minimal reader for the WebAssembly binary format: LEB128 numbers, names and section
// boundaries. Enough to rewrite module-level sections without decoding any function body.
// Spec: https://webassembly.github.io/spec/core/binary/index.html

export class BinaryReader {
  pos: number;

  constructor(readonly bytes: Uint8Array, pos = 0) {
    this.pos = pos;
  }

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  byte(): number {
    if (this.pos >= this.bytes.length) throw new RangeError('unexpected end of module');
    return this.bytes[this.pos++] as number;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new RangeError('LEB128 number too long');
    }
  }

  /** Skips a signed LEB128 of any width. */
  skipLeb(): void {
    while ((this.byte() & 0x80) !== 0);
  }

  skip(n: number): void {
    this.pos += n;
    if (this.pos > this.bytes.length) throw new RangeError('unexpected end of module');
  }

  name(): string {
    const len = this.u32();
    const start = this.pos;
    this.skip(len);
    return new TextDecoder().decode(this.bytes.subarray(start, this.pos));
  }
}

export interface Section {
  id: number;
  /** Start of the section header (the id byte). */
  start: number;
  /** Start of the payload. */
  payload: number;
  end: number;
}

export function readSections(bytes: Uint8Array): Section[] {
  const r = new BinaryReader(bytes, 8);
  const sections: Section[] = [];
  while (!r.done) {
    const start = r.pos;
    const id = r.byte();
    const size = r.u32();
    const payload = r.pos;
    r.skip(size);
    sections.push({ id, start, payload, end: r.pos });
  }
  return sections;
}

export function encodeU32(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function encodeName(name: string): number[] {
  const utf8 = new TextEncoder().encode(name);
  return [...encodeU32(utf8.length), ...utf8];
}

/** Skips a constant expression up to and including its `end`. */
export function skipConstExpr(r: BinaryReader): void {
  for (;;) {
    const op = r.byte();
    switch (op) {
      case 0x0b: return;
      case 0x41: case 0x42: r.skipLeb(); break;
      case 0x43: r.skip(4); break;
      case 0x44: r.skip(8); break;
      case 0x23: case 0xd2: r.u32(); break;
      case 0xd0: r.skipLeb(); break;
      case 0x6a: case 0x6b: case 0x6c: case 0x7c: case 0x7d: case 0x7e: break;
      case 0xfd: r.u32(); r.skip(16); break;
      default: throw new RangeError(`unsupported opcode 0x${op.toString(16)} in a constant`);
    }
  }
}

/** Skips table or memory limits, returning them. */
export function readLimits(r: BinaryReader): { flags: number; min: number; max: number | null } {
  const flags = r.byte();
  const min = r.u32();
  const max = (flags & 1) !== 0 ? r.u32() : null;
  return { flags, min, max };
}

/** A value type: one byte, or a typed reference (0x63/0x64 and a heap type). */
export function skipValType(r: BinaryReader): number {
  const type = r.byte();
  if (type === 0x63 || type === 0x64) r.skipLeb();
  return type;
}

export function skipTableType(r: BinaryReader): void {
  skipValType(r);
  readLimits(r);
}

export interface ImportCounts {
  tables: number;
  memories: number;
  globals: number;
}

/** How many tables, memories and globals a core module imports: its own indices start after. */
export function countImports(bytes: Uint8Array, s: Section | undefined): ImportCounts {
  const counts: ImportCounts = { tables: 0, memories: 0, globals: 0 };
  if (s === undefined) return counts;
  const r = new BinaryReader(bytes, s.payload);
  for (let n = r.u32(); n > 0; n--) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0x00) {
      r.u32();
    } else if (kind === 0x01) {
      skipTableType(r);
      counts.tables++;
    } else if (kind === 0x02) {
      readLimits(r);
      counts.memories++;
    } else if (kind === 0x03) {
      skipValType(r);
      r.byte();
      counts.globals++;
    } else if (kind === 0x04) {
      r.byte();
      r.u32();
    } else {
      throw new RangeError(`unknown import kind ${kind}`);
    }
  }
  return counts;
}
