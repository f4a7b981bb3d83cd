// The state of a component instance's core modules (memories, mutable globals, tables), saved
// once after instantiation and put back after a request, so that a served instance is fresh
// again without being made anew. Copying back a 10 MiB memory costs about 1 ms; a new instance
// of the same component costs about 8 ms and leaves a 10 MiB memory for the GC.
// The deploy-time instrumentation (src/control/component/export-state.ts) exports the state.

const STATE_PREFIX = 'warp.';
/** Memory is compared and copied back in pieces of this size; only changed pieces are copied. */
const PIECE = 64 * 1024;

/** The live state objects of one instance, gathered from its core instances' exports. */
export class CoreState {
  readonly memories: WebAssembly.Memory[] = [];
  readonly globals: WebAssembly.Global[] = [];
  readonly tables: WebAssembly.Table[] = [];

  add(instance: WebAssembly.Instance): void {
    for (const [name, value] of Object.entries(instance.exports)) {
      if (!name.startsWith(STATE_PREFIX)) continue;
      if (value instanceof WebAssembly.Memory) this.memories.push(value);
      else if (value instanceof WebAssembly.Global) this.globals.push(value);
      else if (value instanceof WebAssembly.Table) this.tables.push(value);
    }
  }
}

/** Saved memory contents; the same for every fresh instance of a template, so shared. */
export class MemorySnapshot {
  private constructor(readonly memories: Uint8Array[]) {}

  static take(state: CoreState): MemorySnapshot {
    return new MemorySnapshot(state.memories.map((m) => new Uint8Array(m.buffer).slice()));
  }

  /** Whether a freshly made instance starts from exactly these bytes. */
  matches(state: CoreState): boolean {
    if (state.memories.length !== this.memories.length) return false;
    return state.memories.every((m, i) => Buffer.compare(new Uint8Array(m.buffer),
      this.memories[i] as Uint8Array) === 0);
  }

  /** Copies back each changed piece; false when a memory grew, which cannot be undone. */
  restore(state: CoreState): boolean {
    for (let i = 0; i < state.memories.length; i++) {
      const saved = this.memories[i] as Uint8Array;
      const live = new Uint8Array((state.memories[i] as WebAssembly.Memory).buffer);
      if (live.length !== saved.length) return false;
      for (let at = 0; at < saved.length; at += PIECE) {
        const piece = live.subarray(at, at + PIECE);
        const original = saved.subarray(at, at + PIECE);
        if (Buffer.compare(piece, original) !== 0) piece.set(original);
      }
    }
    return true;
  }
}

/**
 * Globals and table sizes of one instance. Globals are saved per instance, since a reference
 * global points into its own instance. Table contents are not saved: the toolchains WarpGrid
 * serves fill tables at instantiation and never write them later. A table that grew means that
 * assumption broke, and the instance is not restored.
 */
export class InstanceSnapshot {
  private readonly globals: unknown[];
  private readonly tableLengths: number[];

  constructor(state: CoreState) {
    this.globals = state.globals.map((g) => g.value as unknown);
    this.tableLengths = state.tables.map((t) => t.length);
  }

  restore(state: CoreState): boolean {
    if (state.tables.some((t, i) => t.length !== this.tableLengths[i])) return false;
    state.globals.forEach((g, i) => {
      g.value = this.globals[i];
    });
    return true;
  }
}
