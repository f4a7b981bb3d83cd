// Artifact sizes: the guests as built, hello.wasm as a node deploys it, the components after
// WarpGrid's transpile (its data dir) and after jco serve's, and the peer runtimes' binaries.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { deployedHello } from './deployed-hello.js';
import {
  HELLO_COMPONENT, HELLO_JS_WASM, HELLO_WASM, REPO_ROOT, WORKERD_BIN,
} from './paths.js';
import type { ArtifactSize } from './results.js';
import type { Workspace } from './workspace.js';

const UWS_BINARY = join(REPO_ROOT, 'node_modules', 'uWebSockets.js', 'binaries',
  `uws_linux_x64_${process.versions.modules}.node`);

function treeBytes(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((sum, name) => sum + treeBytes(join(path, name)), 0);
}

/** The first directory of the run whose name ends with `suffix` (e.g. a node's data dir). */
function firstDir(ws: Workspace, suffix: string): string | null {
  const name = readdirSync(ws.root).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .find((n) => n.endsWith(suffix));
  return name === undefined ? null : join(ws.root, name);
}

export async function measureArtifacts(ws: Workspace): Promise<ArtifactSize[]> {
  const sizes: ArtifactSize[] = [
    { what: 'examples/hello/hello.wasm', bytes: treeBytes(HELLO_WASM) },
  ];
  const deployed = await deployedHello().then((d) => d.deployed.length, () => null);
  if (deployed !== null) sizes.push({ what: 'hello.wasm as deployed (instrumented, rewritten)',
    bytes: deployed });

  const optional: Array<[string, string | null]> = [
    ['examples/hello-js/hello-js.wasm (component)', HELLO_JS_WASM],
    ['hello-js in a WarpGrid data dir (transpiled cache)', firstDir(ws, '-hello-js-data')],
    ['bench hello component (component)', HELLO_COMPONENT],
    ['hello component in a WarpGrid data dir (transpiled cache)', firstDir(ws, '-hello-c-data')],
    ['hello component transpiled by jco serve (--jco-dir)', firstDir(ws, '-jco-out')],
    ['workerd binary', WORKERD_BIN],
    ['uWebSockets.js native binding', UWS_BINARY],
  ];
  for (const [what, path] of optional) {
    if (path !== null && existsSync(path)) sizes.push({ what, bytes: treeBytes(path) });
  }
  return sizes;
}
