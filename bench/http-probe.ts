// One plain HTTP GET on loopback, with a deadline: used to wait for a server's first 200 and to
// check that a system answers with the expected body before it is put under load.

import { request } from 'node:http';

export interface ProbeReply {
  status: number;
  contentType: string;
  body: string;
}

export function httpGet(port: number, path: string, timeoutMs = 2000): Promise<ProbeReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).toString('utf8'),
        }));
        res.on('error', reject);
      });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Polls until `path` answers 200; resolves with the time it took, from `since` (ms clock). */
export async function firstOk(port: () => number | null, path: string, since: number,
  deadlineMs: number, alive: () => boolean): Promise<number> {
  while (performance.now() - since < deadlineMs) {
    if (!alive()) throw new Error('the server exited before it answered 200');
    const p = port();
    if (p !== null) {
      const ok = await httpGet(p, path, 1000).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - since;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`no 200 from ${path} within ${deadlineMs} ms`);
}

/** Fails with a clear message unless `path` answers 200 with this body and content type. */
export async function expectReply(port: number, path: string, body: string,
  contentType: string): Promise<void> {
  const reply = await httpGet(port, path);
  const got = `${reply.status} ${reply.contentType} ${JSON.stringify(reply.body)}`;
  const ok = reply.status === 200 && reply.body === body &&
    reply.contentType.toLowerCase().startsWith(contentType);
  if (!ok) throw new Error(`GET ${path} answered ${got}, expected 200 ${contentType} ` +
    JSON.stringify(body));
}
