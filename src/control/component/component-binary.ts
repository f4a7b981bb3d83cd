// Reading the outer layer of a WebAssembly component binary: is it a component at all, and what
// does it import. Only the top-level sections are read; nested modules and components are
// skipped by their size. Spec: WebAssembly/component-model design/mvp/Binary.md.

import { BinaryReader, readSections } from '../wasm/binary-reader.js';

const MAGIC = [0x00, 0x61, 0x73, 0x6d];
/** version 0x0d 0x00, layer 0x01 0x00; a core module has version 1, layer 0: 01 00 00 00. */
const COMPONENT_HEADER = [0x0d, 0x00, 0x01, 0x00];
const IMPORT_SECTION = 10;

/** A component's header differs from a core module's in bytes 4..8. */
export function isComponent(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && MAGIC.every((b, i) => bytes[i] === b) &&
    COMPONENT_HEADER.every((b, i) => bytes[4 + i] === b);
}

/** importname': 0x00 name, or 0x01 name plus a version suffix that is read and dropped. */
function importName(r: BinaryReader): string {
  const form = r.byte();
  const name = r.name();
  if (form === 0x01) r.name();
  else if (form !== 0x00) throw new RangeError(`unknown import name form 0x${form.toString(16)}`);
  return name;
}

/** Skips an externdesc; only the name of an import matters here. */
function skipExternDesc(r: BinaryReader): void {
  const kind = r.byte();
  if (kind === 0x00) {
    r.byte();
    r.u32();
  } else if (kind === 0x03) {
    if (r.byte() === 0x00) r.u32();
  } else if (kind === 0x02) {
    r.byte();
    r.u32();
  } else if (kind === 0x01 || kind === 0x04 || kind === 0x05) {
    r.u32();
  } else {
    throw new RangeError(`unknown extern kind 0x${kind.toString(16)}`);
  }
}

/** The names a component imports at its top level, e.g. `wasi:cli/environment@0.2.3`. */
export function componentImports(bytes: Uint8Array): string[] {
  // The section framing (id, size) is the same in a component as in a core module.
  const names: string[] = [];
  for (const s of readSections(bytes)) {
    if (s.id !== IMPORT_SECTION) continue;
    const r = new BinaryReader(bytes, s.payload);
    for (let n = r.u32(); n > 0; n--) {
      names.push(importName(r));
      skipExternDesc(r);
    }
  }
  return names;
}
