// Returns a served WAGI instance to the state it had when it was made, so the next request sees
// a fresh instance without paying for a new one: linear memory is copied back from a snapshot,
// and the mutable globals and tables (exported at deploy by src/control/wasm/wagi-rewrite) are
// set back to their first values. An instance whose memory grew cannot shrink: it is dropped.

import {
  GLOBAL_EXPORT_PREFIX, TABLE_EXPORT_PREFIX,
} from '../../src/control/wasm/wagi-rewrite.js';

/** The state of one instance right after instantiation. */
export class InstanceState {
  private readonly memoryView: Uint8Array;
  private readonly globals: WebAssembly.Global[] = [];
  private readonly globalValues: unknown[] = [];
  private readonly tables: WebAssembly.Table[] = [];
  private readonly tableEntries: unknown[][] = [];

  constructor(
    exports: WebAssembly.Exports,
    private readonly memory: WebAssembly.Memory,
    /** The memory image right after instantiation, shared by the template's instances. */
    private readonly image: Uint8Array,
  ) {
    this.memoryView = new Uint8Array(memory.buffer, 0, image.length);
    for (const name in exports) {
      const value = exports[name];
      if (name.startsWith(GLOBAL_EXPORT_PREFIX) && value instanceof WebAssembly.Global) {
        this.globals.push(value);
        this.globalValues.push(value.value);
      } else if (name.startsWith(TABLE_EXPORT_PREFIX) && value instanceof WebAssembly.Table) {
        this.tables.push(value);
        this.tableEntries.push(tableEntries(value));
      }
    }
  }

  /** Restores the first state; false when the instance cannot be restored and must go. */
  restore(): boolean {
    if (this.memory.buffer.byteLength !== this.image.length) return false;
    this.memoryView.set(this.image);
    for (let i = 0; i < this.globals.length; i++) {
      (this.globals[i] as WebAssembly.Global).value = this.globalValues[i];
    }
    for (let t = 0; t < this.tables.length; t++) {
      const table = this.tables[t] as WebAssembly.Table;
      const entries = this.tableEntries[t] as unknown[];
      if (table.length !== entries.length) return false;
      for (let i = 0; i < entries.length; i++) table.set(i, entries[i]);
    }
    return true;
  }
}

export function memoryImage(memory: WebAssembly.Memory): Uint8Array {
  return new Uint8Array(memory.buffer).slice();
}

function tableEntries(table: WebAssembly.Table): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < table.length; i++) out.push(table.get(i));
  return out;
}
