// A real nginx (Debian's /usr/sbin/nginx) in front of WarpGrid nodes, for tests: its own temp
// prefix, config, pid file and error log, listening on a free loopback port, in the foreground
// so the test owns the process. The proxy settings are the ones docs/operations.md recommends.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX = '/usr/sbin/nginx';

export interface NginxOptions {
  /** WarpGrid ports on 127.0.0.1, one upstream server each. */
  upstreams: number[];
  /** Also listen with TLS, using this certificate and key (PEM files). */
  tls?: { cert: string; key: string };
  /** Extra directives for the proxied location. */
  location?: string;
}

export interface RunningNginx {
  port: number;
  tlsPort: number | null;
  url: string;
  prefix: string;
  /** The error log so far. */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

/** A port that was free a moment ago: nginx needs a number in its config, not port 0. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

export function nginxConfig(prefix: string, port: number, opts: NginxOptions,
  tlsPort: number | null): string {
  // nginx never benches a node: with max_fails=1, both nodes of a rolling restart could be
  // benched at once (one refusing connects, the other draining) and nginx would answer 502
  // "no live upstreams". A request that meets a node that is down moves to the next one.
  const servers = opts.upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=0;`);
  const tls = opts.tls === undefined || tlsPort === null ? '' : `
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${opts.tls.cert};
    ssl_certificate_key ${opts.tls.key};`;
  return `
# Workers run as root only when nginx is started by root (tests), so they can use the temp dirs.
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client-body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  upstream warpgrid {
${servers.join('\n')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};${tls}
    # WarpGrid enforces each app's limits.body; nginx only stops the absurd.
    client_max_body_size 256m;
    # nginx closes a client connection after keepalive_requests (1000) without lingering, and
    # a load tool that writes its next request at that moment reads ECONNRESET: a client-side
    # race that has nothing to do with the nodes, so the tests keep client connections open.
    keepalive_requests 1000000;
    location / {
      proxy_pass http://warpgrid;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_request_buffering off;
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries 3;
${opts.location ?? ''}
    }
  }
}
`;
}

export async function startNginx(opts: NginxOptions): Promise<RunningNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'warp-nginx-'));
  const port = await freePort();
  const tlsPort = opts.tls === undefined ? null : await freePort();
  const conf = join(prefix, 'nginx.conf');
  await writeFile(conf, nginxConfig(prefix, port, opts, tlsPort));

  const child = spawn(NGINX, ['-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  await waitForPort(child, port, () => output);

  return {
    port, tlsPort, url: `http://127.0.0.1:${port}`, prefix,
    errorLog: () => readFile(join(prefix, 'error.log'), 'utf8').catch(() => ''),
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGQUIT');
        await once(child, 'exit');
      }
      await rm(prefix, { recursive: true, force: true });
    },
  };
}

/** Waits until nginx accepts connections, or fails with what it printed. */
async function waitForPort(child: ChildProcess, port: number, output: () => string):
  Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${output()}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/_warp/health`);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGKILL');
  throw new Error(`nginx did not listen on ${port} within 10 s: ${output()}`);
}

/** Error-log lines about upstreams at error level or worse: what a healthy proxy never logs. */
export function upstreamErrors(log: string): string[] {
  return log.split('\n').filter((l) => /\[(error|crit|alert|emerg)\]/.test(l) &&
    /upstream/.test(l));
}
