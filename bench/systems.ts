// The systems that serve the hello work, and how each one is started on loopback. Peers get the
// work as they would from a developer: fixed bodies (uWS), the same hello.wasm with a
// hand-written WASI shim (node:http, workerd), or the same component (jco serve).

import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { freePort, type ServerSpec } from './child-server.js';
import {
  HELLO_COMPONENT, HELLO_JS_WASM, HELLO_WASM, JCO_BIN, PEERS_DIR, WORKERD_BIN,
} from './paths.js';
import { nodeSpec, writeManifests, type NodeFlags } from './warpgrid-node.js';
import type { Workspace } from './workspace.js';

export type SystemId = 'uws-raw' | 'node-http' | 'warpgrid-fresh' | 'warpgrid-reset' |
  'warpgrid-hello-js' | 'warpgrid-component' | 'jco-serve' | 'workerd';

export interface SystemDef {
  id: SystemId;
  label: string;
  /** The path put under load; hello-js has no hello route, so it and jco serve use /health. */
  path: string;
  body: string;
  contentType: string;
  /** The component the system needs built, or null for none. */
  component: string | null;
  spec(ws: Workspace, flags: NodeFlags): Promise<ServerSpec>;
}

const HELLO = { body: 'Hello, world!\n', contentType: 'text/plain', component: null };
const HEALTH = { body: '{"status":"ok"}', contentType: 'application/json' };
const START_MS = 60_000;

function peer(label: string, command: string, args: string[], port: number | null,
  readyPath: string): ServerSpec {
  return { label, command, args, cwd: PEERS_DIR, port, readyPath, readyTimeoutMs: START_MS };
}

async function warpgrid(ws: Workspace, flags: NodeFlags, label: string, app: string,
  module: string, recycle: 'reset' | 'fresh' | undefined, readyPath: string) {
  const manifests = ws.dir(`${app}-manifests`);
  // The same scale as manifests/hello.toml.
  await writeManifests(manifests, [{ name: app, module, min: 4, max: 256, recycle }]);
  return nodeSpec(label, manifests, ws.dir(`${app}-data`), flags, readyPath, START_MS);
}

export const SYSTEMS: readonly SystemDef[] = [
  {
    id: 'uws-raw', label: 'raw uWS, fixed body', path: '/', ...HELLO,
    spec: async () => peer('raw uWS', process.execPath, [join(PEERS_DIR, 'uws-raw.cjs')], null,
      '/'),
  },
  {
    id: 'node-http', label: 'node:http + hello.wasm, hand-written WASI', path: '/', ...HELLO,
    spec: async () => peer('node:http', process.execPath,
      [join(PEERS_DIR, 'node-http-wasm.mjs'), HELLO_WASM], null, '/'),
  },
  {
    id: 'warpgrid-fresh', label: "WarpGrid hello, recycle='fresh'", path: '/r/hello/', ...HELLO,
    spec: (ws, flags) => warpgrid(ws, flags, 'WarpGrid fresh', 'hello', HELLO_WASM, 'fresh',
      '/r/hello/'),
  },
  {
    id: 'warpgrid-reset', label: "WarpGrid hello, recycle='reset'", path: '/r/hello/', ...HELLO,
    spec: (ws, flags) => warpgrid(ws, flags, 'WarpGrid reset', 'hello', HELLO_WASM, 'reset',
      '/r/hello/'),
  },
  {
    id: 'warpgrid-hello-js', label: 'WarpGrid hello-js (examples/hello-js)',
    path: '/r/hello-js/health', ...HEALTH, component: HELLO_JS_WASM,
    spec: (ws, flags) => warpgrid(ws, flags, 'WarpGrid hello-js', 'hello-js', HELLO_JS_WASM,
      undefined, '/r/hello-js/health'),
  },
  {
    id: 'warpgrid-component', label: 'WarpGrid hello component (JS)', path: '/r/hello-c/',
    ...HELLO, component: HELLO_COMPONENT,
    spec: (ws, flags) => warpgrid(ws, flags, 'WarpGrid hello component', 'hello-c',
      HELLO_COMPONENT, undefined, '/r/hello-c/'),
  },
  {
    id: 'jco-serve', label: 'jco serve --isolate-requests instance, hello component', path: '/',
    ...HELLO, component: HELLO_COMPONENT,
    spec: async (ws) => {
      const port = await freePort();
      return peer('jco serve', process.execPath, [JCO_BIN, 'serve', HELLO_COMPONENT,
        '--host', '127.0.0.1', '--port', String(port), '--isolate-requests', 'instance',
        '--jco-dir', ws.dir('jco-out')], port, '/');
    },
  },
  {
    id: 'workerd', label: 'workerd + hello.wasm, hand-written WASI', path: '/', ...HELLO,
    spec: async () => {
      const port = await freePort();
      return peer('workerd', WORKERD_BIN, ['serve', join(PEERS_DIR, 'workerd.capnp'),
        '--socket-addr', `http=127.0.0.1:${port}`], port, '/');
    },
  },
];

export function systemById(id: SystemId): SystemDef {
  const def = SYSTEMS.find((s) => s.id === id);
  if (def === undefined) throw new Error(`no system ${id}`);
  return def;
}

/** Why a system cannot run here, or null when it can. */
export function missingPiece(def: SystemDef): string | null {
  if (def.id === 'workerd' && !existsSync(WORKERD_BIN)) {
    return 'the @cloudflare/workerd-linux-64 package is not installed (npm install)';
  }
  if (def.component !== null && !existsSync(def.component)) {
    return `${def.component} is missing and could not be built`;
  }
  return null;
}
