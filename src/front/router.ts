// Finds the app for a request: `/r/<app>/<rest>` by path prefix, or a manifest's `hosts` by the
// Host header. Lookups are hash-map hits over the path's first segments, so routing time does not
// grow with the number of apps.

import type { AppRoute } from '../dispatch/app-route.js';

export interface RouteMatch {
  route: AppRoute;
  /** The matched prefix, '' for Host routing. */
  scriptName: string;
  /** The rest of the path, starting with '/'. */
  pathInfo: string;
}

/** Custom route prefixes may be this many segments deep. */
const MAX_ROUTE_DEPTH = 4;

export class Router {
  private readonly byPrefix = new Map<string, AppRoute>();
  private readonly byHost = new Map<string, AppRoute>();

  set(route: AppRoute): void {
    this.byPrefix.set(route.manifest.route, route);
    for (const host of route.manifest.hosts) this.byHost.set(host, route);
  }

  delete(route: AppRoute): void {
    if (this.byPrefix.get(route.manifest.route) === route) {
      this.byPrefix.delete(route.manifest.route);
    }
    for (const host of route.manifest.hosts) {
      if (this.byHost.get(host) === route) this.byHost.delete(host);
    }
  }

  get size(): number {
    return this.byPrefix.size;
  }

  /** `path` is the decoded-as-sent URL path, without the query. */
  match(path: string, host: string): RouteMatch | null {
    const byHost = this.matchHost(host);
    if (byHost !== null) return { route: byHost, scriptName: '', pathInfo: path };

    let end = 0;
    for (let depth = 0; depth < MAX_ROUTE_DEPTH; depth++) {
      end = path.indexOf('/', end + 1);
      const prefix = end === -1 ? path : path.slice(0, end);
      const route = this.byPrefix.get(prefix);
      if (route !== undefined) {
        return { route, scriptName: prefix, pathInfo: end === -1 ? '/' : path.slice(end) };
      }
      if (end === -1) break;
    }
    return null;
  }

  private matchHost(host: string): AppRoute | null {
    if (this.byHost.size === 0 || host === '') return null;
    const colon = host.lastIndexOf(':');
    const name = colon > host.lastIndexOf(']') ? host.slice(0, colon) : host;
    return this.byHost.get(name.toLowerCase()) ?? null;
  }
}
