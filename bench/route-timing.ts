// Route lookup alone, in-process: the node's Router with few and with many apps, timed on
// `/r/app-1/`, so that "routing time does not grow" is checked apart from the rest of a request.

import { checkManifest } from '../src/config/manifest.js';
import type { AppRoute } from '../src/dispatch/app-route.js';
import { Router } from '../src/front/router.js';

const CALLS = 1_000_000;

function routerWith(apps: number): Router {
  const router = new Router();
  for (let i = 1; i <= apps; i++) {
    const manifest = checkManifest({ name: `app-${i}`, module: 'hello.wasm' }, 'bench', (p) => p);
    // The router reads only a route's manifest (its route prefix and hosts).
    router.set({ manifest } as unknown as AppRoute);
  }
  return router;
}

/** Mean time of one `match`, in ns, over a million lookups after as many unrecorded. */
export function routeLookupNs(apps: number): number {
  const router = routerWith(apps);
  for (let i = 0; i < CALLS; i++) router.match('/r/app-1/', '127.0.0.1');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    if (router.match('/r/app-1/', '127.0.0.1') === null) throw new Error('app-1 is not routed');
  }
  return Number(process.hrtime.bigint() - t0) / CALLS;
}
