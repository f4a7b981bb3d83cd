// The shapes that cross from the dispatcher into a guest host and back, on the worker side.

/** One HTTP request as a guest host sees it, decoded from the request frame. */
export interface GuestRequest {
  /** Upper-case method, e.g. `GET`. */
  method: string;
  /** Path as the client sent it, without the query, percent-encoded. */
  url: string;
  /** Raw query string without `?`, or ''. */
  query: string;
  /** Path after the app's route prefix, always starting with `/`. */
  pathInfo: string;
  /** The route prefix that matched, e.g. `/r/hello`, or '' for Host routing. */
  scriptName: string;
  /** Flat list: name0, value0, name1, value1 … Names are lower-case, repeats kept. */
  headers: string[];
  /** Client address as the node saw it (or from X-Forwarded-For with --trust-proxy). */
  remoteAddr: string;
  /** `http` or `https` (from X-Forwarded-Proto with --trust-proxy). */
  scheme: string;
  /** Host header value, or the node's host:port. */
  authority: string;
  serverName: string;
  serverPort: string;
  requestId: string;
  body: Uint8Array;
}

/** What a guest host hands back. Headers are flat name/value pairs, names lower-case. */
export interface GuestResponse {
  status: number;
  headers: string[];
  body: Uint8Array;
}

/** What the manifest grants an app, as the worker receives it. */
export interface AppGrants {
  env: Record<string, string>;
  /** Read-only directory mappings: `source` on the host is seen as `guest` inside. */
  files: FileGrant[];
  /** `scheme://host[:port]` patterns; `*.` wildcards a subdomain, `:*` any port. */
  allowedOutboundHosts: string[];
  /** Names of the key-value stores the app may open. */
  keyValue: string[];
}

export interface FileGrant {
  /** Absolute host path of a directory. */
  source: string;
  /** Absolute path the guest opens it by, e.g. `/static`. */
  guest: string;
}

export interface AppLimits {
  /** Largest linear memory, in bytes. */
  memory: number;
  /** Wall-clock deadline for one request, in ms. */
  timeout: number;
  /** Request body cap, in bytes. */
  body: number;
  /** Response body cap, in bytes. */
  response: number;
}
