// The WASI interfaces that WarpGrid's component host knows, by name without version, and which
// versions of each it accepts. The main thread checks a component's imports against this list at
// deploy time; the worker links each one to a host object or to a deny stub.

/** How WarpGrid answers an interface: served for real, or linked to a stub that denies. */
export type InterfacePolicy = 'serve' | 'deny';

interface KnownInterface {
  policy: InterfacePolicy;
  /** Accepted versions: a prefix such as `0.2.` or an exact draft version. */
  versions: readonly string[];
}

const WASI_02 = ['0.2.'] as const;

function family(names: readonly string[], policy: InterfacePolicy,
  versions: readonly string[] = WASI_02): Array<[string, KnownInterface]> {
  return names.map((name) => [name, { policy, versions }]);
}

const KNOWN = new Map<string, KnownInterface>([
  ...family(['wasi:io/error', 'wasi:io/poll', 'wasi:io/streams'], 'serve'),
  ...family(['wasi:clocks/monotonic-clock', 'wasi:clocks/wall-clock'], 'serve'),
  ...family(['wasi:random/random', 'wasi:random/insecure', 'wasi:random/insecure-seed'], 'serve'),
  ...family(['wasi:cli/environment', 'wasi:cli/exit', 'wasi:cli/stdin', 'wasi:cli/stdout',
    'wasi:cli/stderr'], 'serve'),
  ...family(['wasi:http/types'], 'serve'),
  ...family(['wasi:cli/terminal-input', 'wasi:cli/terminal-output', 'wasi:cli/terminal-stdin',
    'wasi:cli/terminal-stdout', 'wasi:cli/terminal-stderr'], 'deny'),
  ...family(['wasi:filesystem/types', 'wasi:filesystem/preopens'], 'deny'),
  ...family(['wasi:sockets/network', 'wasi:sockets/instance-network', 'wasi:sockets/tcp',
    'wasi:sockets/tcp-create-socket', 'wasi:sockets/udp', 'wasi:sockets/udp-create-socket',
    'wasi:sockets/ip-name-lookup'], 'deny'),
  ...family(['wasi:http/outgoing-handler'], 'deny'),
  ...family(['wasi:keyvalue/store', 'wasi:keyvalue/atomics', 'wasi:keyvalue/batch'], 'deny',
    ['0.2.0-draft']),
  ...family(['wasi:config/store'], 'deny', ['0.2.0-draft']),
]);

/** `wasi:cli/environment@0.2.3` → `wasi:cli/environment`. */
export function unversioned(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? name : name.slice(0, at);
}

function versionOf(name: string): string {
  const at = name.indexOf('@');
  return at === -1 ? '' : name.slice(at + 1);
}

/** The policy for an import such as `wasi:cli/environment@0.2.3`, or null when unknown. */
export function policyFor(name: string): InterfacePolicy | null {
  const known = KNOWN.get(unversioned(name));
  if (known === undefined) return null;
  const version = versionOf(name);
  const accepted = known.versions.some((v) => (v.endsWith('.') ? version.startsWith(v)
    : version === v));
  return accepted ? known.policy : null;
}

/** The interface a component must export to be served: any 0.2.x version. */
export const INCOMING_HANDLER = 'wasi:http/incoming-handler';
