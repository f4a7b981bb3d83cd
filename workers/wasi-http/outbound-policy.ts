// Which outgoing HTTP requests an app may make: its `allowed_outbound_hosts` grant, as patterns
// `scheme://host[:port]`. `*.` before the host allows any subdomain of it (not the host itself),
// `:*` allows any port, and a pattern without a port allows the scheme's default port only.

export interface Target {
  scheme: 'http' | 'https';
  /** Lower-case host name, dotted IPv4 address, or bracketed IPv6 address. */
  host: string;
  port: number;
}

interface Pattern {
  scheme: string;
  /** The host, or for a wildcard the suffix with its leading dot (`.example.com`). */
  host: string;
  wildcard: boolean;
  /** null: any port. */
  port: number | null;
}

/** The manifest checked the pattern's shape; this only splits it. */
const PATTERN = /^(https?):\/\/(\*\.)?([^:/]+|\[[0-9a-f:.]+\])(?::(\d+|\*))?$/;
const HOST_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
const IPV6 = /^\[[0-9a-f:.]+\]$/;
const PORT = /^\d{1,5}$/;

export function defaultPort(scheme: string): number {
  return scheme === 'https' ? 443 : 80;
}

function compile(pattern: string): Pattern {
  const match = PATTERN.exec(pattern.toLowerCase());
  if (match === null) throw new Error(`not an outbound host pattern: ${pattern}`);
  const [, scheme = '', star, host = '', port] = match;
  return {
    scheme,
    host: star === undefined ? host : `.${host}`,
    wildcard: star !== undefined,
    port: port === '*' ? null : port === undefined ? defaultPort(scheme) : Number(port),
  };
}

/**
 * A request's scheme and authority as a target, or null when the authority is not a plain
 * `host[:port]` (user info, an empty host, a bad port) and so matches no grant.
 */
export function targetOf(scheme: string, authority: string): Target | null {
  if (scheme !== 'http' && scheme !== 'https') return null;
  const lower = authority.toLowerCase();
  const colon = lower.lastIndexOf(':');
  const hasPort = colon !== -1 && !lower.endsWith(']') && (lower.startsWith('[') ||
    lower.indexOf(':') === colon);
  const host = hasPort ? lower.slice(0, colon) : lower;
  const portText = hasPort ? lower.slice(colon + 1) : null;

  if (!HOST_NAME.test(host) && !IPV6.test(host)) return null;
  if (portText !== null && !PORT.test(portText)) return null;
  const port = portText === null ? defaultPort(scheme) : Number(portText);
  if (port < 1 || port > 65535) return null;
  return { scheme, host, port };
}

export class OutboundPolicy {
  private readonly patterns: Pattern[];

  constructor(granted: readonly string[]) {
    this.patterns = granted.map(compile);
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  allows(target: Target): boolean {
    return this.patterns.some((p) => p.scheme === target.scheme &&
      (p.port === null || p.port === target.port) &&
      (p.wildcard ? target.host.endsWith(p.host) : target.host === p.host));
  }
}
