// The WASI interfaces that WarpGrid's component host knows, by name without version, and which
// versions of each it accepts. The main thread checks a component's imports against this list at
// deploy time; the worker links each one to a host object (host-imports.ts) or a deny stub.

/** Accepted versions of an interface: a prefix such as `0.2.`, or an exact draft version. */
type Versions = readonly string[];

const WASI_02: Versions = ['0.2.'];
const DRAFT_02: Versions = ['0.2.0-draft'];

function family(names: readonly string[], versions: Versions): Array<[string, Versions]> {
  return names.map((name) => [name, versions]);
}

const KNOWN = new Map<string, Versions>([
  // Served: io, clocks, random, the granted environment, stdio as logs, incoming HTTP, and, as
  // far as the manifest grants them, files, outgoing HTTP and key-value stores.
  ...family(['wasi:io/error', 'wasi:io/poll', 'wasi:io/streams', 'wasi:clocks/monotonic-clock',
    'wasi:clocks/wall-clock', 'wasi:random/random', 'wasi:random/insecure',
    'wasi:random/insecure-seed', 'wasi:cli/environment', 'wasi:cli/exit', 'wasi:cli/stdin',
    'wasi:cli/stdout', 'wasi:cli/stderr', 'wasi:http/types', 'wasi:http/outgoing-handler',
    'wasi:filesystem/types', 'wasi:filesystem/preopens'], WASI_02),
  ...family(['wasi:keyvalue/store', 'wasi:keyvalue/atomics', 'wasi:keyvalue/batch'], DRAFT_02),
  // Denied with the interface's own error value (deny-host.ts).
  ...family(['wasi:cli/terminal-input', 'wasi:cli/terminal-output', 'wasi:cli/terminal-stdin',
    'wasi:cli/terminal-stdout', 'wasi:cli/terminal-stderr', 'wasi:sockets/network',
    'wasi:sockets/instance-network', 'wasi:sockets/tcp', 'wasi:sockets/tcp-create-socket',
    'wasi:sockets/udp', 'wasi:sockets/udp-create-socket', 'wasi:sockets/ip-name-lookup'],
  WASI_02),
  ...family(['wasi:config/store'], DRAFT_02),
]);

/** `wasi:cli/environment@0.2.3` → `wasi:cli/environment`. */
function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

/** Whether WarpGrid links an import such as `wasi:cli/environment@0.2.3`. */
export function isKnownImport(name: string): boolean {
  const versions = KNOWN.get(unversioned(name));
  if (versions === undefined) return false;
  const version = name.slice(name.indexOf('@') + 1);
  return name.includes('@') &&
    versions.some((v) => (v.endsWith('.') ? version.startsWith(v) : version === v));
}

/** The interface a component must export to be served: any 0.2.x version. */
export const INCOMING_HANDLER = 'wasi:http/incoming-handler';
