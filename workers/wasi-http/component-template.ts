// A WASI-HTTP component on a worker: the transpiled glue is loaded once, and instances are made
// from the shared compiled core modules with WarpGrid's host objects as imports. A served
// instance whose guest returned normally is recycled: its saved memory and globals are put back
// when the pool next asks for an instance, which is after the response has gone out.

import { workerData } from 'node:worker_threads';

import { WarpError } from '../../src/errors.js';
import {
  INTERRUPT_FUNCTION, INTERRUPT_MODULE,
} from '../../src/control/wasm/interrupt-instrument.js';
import type { ComponentArtifact } from '../../src/control/component/prepare-component.js';
import type { AppSpec } from '../app-spec.js';
import { interrupter } from '../interrupt.js';
import type { LogFn } from './cli-host.js';
import {
  Instance, type ComponentInstance, type IncomingHandler, type InstanceHost, type Machine,
} from './component-instance.js';
import { CoreState, InstanceSnapshot, MemorySnapshot } from './core-state.js';
import { loadGlue, type Glue } from './glue-loader.js';
import { hostImports, type HostImports } from './host-imports.js';
import { INCOMING_HANDLER } from './interfaces.js';

export type { ComponentInstance } from './component-instance.js';

export interface ComponentTemplate {
  /** A fresh instance, or a recycled one restored to the state of a fresh one. */
  instantiate(): ComponentInstance;
}

/** Served machines kept for restoring; more than a pool refills at once is memory held idle. */
const MAX_SPARE = 8;
/**
 * Requests one machine serves before it is dropped. The glue's own records grow by about 1.5 KB
 * per request served (resources and tasks that a restore makes the guest forget); the cap keeps
 * a machine's share of the heap near 1.5 MB.
 */
const MAX_SERVES = 1000;

function handlerOf(exports: Record<string, unknown>): IncomingHandler {
  for (const [name, value] of Object.entries(exports)) {
    if (name.startsWith(`${INCOMING_HANDLER}@0.2.`)) return value as IncomingHandler;
  }
  throw new WarpError('WARP_E_BAD_ARTIFACT', `the component does not export ${INCOMING_HANDLER}`);
}

/** Core modules instrumented at deploy to call the interrupt check (interrupt-instrument.ts). */
function interruptible(modules: Record<string, WebAssembly.Module>): WeakSet<WebAssembly.Module> {
  const found = new WeakSet<WebAssembly.Module>();
  for (const module of Object.values(modules)) {
    const imports = WebAssembly.Module.imports(module);
    if (imports.some((i) => i.module === INTERRUPT_MODULE && i.name === INTERRUPT_FUNCTION)) {
      found.add(module);
    }
  }
  return found;
}

/** The glue's imports for a core module (none for some), plus the interrupt check. */
function withInterrupt(imports: Record<string, object> | undefined): Record<string, object> {
  return {
    ...imports,
    [INTERRUPT_MODULE]: { ...imports?.[INTERRUPT_MODULE], [INTERRUPT_FUNCTION]: interrupter.check },
  };
}

class Template implements ComponentTemplate, InstanceHost {
  private memory: MemorySnapshot | null = null;
  private readonly spare: Machine[] = [];
  private readonly interruptible: WeakSet<WebAssembly.Module>;

  constructor(
    private readonly artifact: ComponentArtifact,
    private readonly glue: Glue,
    readonly host: HostImports,
    readonly reuse: boolean,
  ) {
    this.interruptible = interruptible(artifact.modules);
  }

  instantiate(): ComponentInstance {
    return new Instance(this, this.restored() ?? this.fresh());
  }

  /**
   * Makes the first instance: it checks the wiring (an import the glue finds missing fails the
   * deploy here, with the glue's message) and saves the memory that later restores copy back.
   */
  warm(): void {
    this.reclaim(this.fresh());
  }

  reclaim(machine: Machine): void {
    if (machine.snapshot === null || machine.served >= MAX_SERVES) return;
    if (this.spare.length < MAX_SPARE) this.spare.push(machine);
  }

  private restored(): Machine | null {
    for (let machine = this.spare.pop(); machine !== undefined; machine = this.spare.pop()) {
      const { memory } = this;
      if (memory === null || machine.snapshot === null) continue;
      if (memory.restore(machine.state) && machine.snapshot.restore(machine.state)) return machine;
    }
    return null;
  }

  private fresh(): Machine {
    const { modules } = this.artifact;
    const state = new CoreState();
    const exports = this.glue.instantiate((name) => {
      const module = modules[name];
      if (module === undefined) throw new Error(`the glue asked for unknown core module ${name}`);
      return module;
    }, this.host.imports, (module, imports) => {
      const linked = this.interruptible.has(module)
        ? withInterrupt(imports as Record<string, object> | undefined) : imports;
      const instance = new WebAssembly.Instance(module, linked as WebAssembly.Imports);
      state.add(instance);
      return instance;
    });
    const handler = handlerOf(exports);
    return { handler, state, snapshot: this.snapshotOf(state), served: 0 };
  }

  /** The first instance's memory is saved for all; an instance that differs is not recycled. */
  private snapshotOf(state: CoreState): InstanceSnapshot | null {
    if (!this.artifact.recycle || this.reuse) return null;
    if (this.memory === null) this.memory = MemorySnapshot.take(state);
    else if (!this.memory.matches(state)) return null;
    return new InstanceSnapshot(state);
  }
}

/** The node's data directory, which the dispatcher hands each worker; null off a worker. */
function dataDir(): string | null {
  return (workerData as { dataDir?: string } | null)?.dataDir ?? null;
}

export async function loadComponentTemplate(artifact: ComponentArtifact,
  spec: Pick<AppSpec, 'name' | 'grants' | 'reuse'>, log: LogFn): Promise<ComponentTemplate> {
  const glue = await loadGlue(artifact.glue);
  const host = hostImports({ app: spec.name, grants: spec.grants, dataDir: dataDir() }, log);
  const template = new Template(artifact, glue, host, spec.reuse);
  template.warm();
  return template;
}
