// hello.wasm as a node deploys it: instrumented for interruption, then rewritten to export its
// state, with the manifest defaults a node would apply. Used to time and size the deployed form.

import { readFile } from 'node:fs/promises';

import { checkManifest, type AppManifest } from '../src/config/manifest.js';
import { instrumentForInterrupt } from '../src/control/wasm/interrupt-instrument.js';
import { rewriteWagiModule } from '../src/control/wasm/wagi-rewrite.js';
import { HELLO_WASM } from './paths.js';

export interface DeployedHello {
  source: Uint8Array;
  deployed: Uint8Array;
  manifest: AppManifest;
}

export async function deployedHello(): Promise<DeployedHello> {
  const source = new Uint8Array(await readFile(HELLO_WASM));
  const manifest = checkManifest({ name: 'hello', module: HELLO_WASM }, 'bench', (p) => p);
  const interruptible = await instrumentForInterrupt(source, 'hello.wasm');
  const deployed = rewriteWagiModule(interruptible, manifest.limits.memory, 'hello.wasm').bytes;
  return { source, deployed, manifest };
}
