import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { lookup } from 'node:dns/promises';
import { isIP, isIPv4, isIPv6, type AddressInfo } from 'node:net';
import type { ChannelName, WebhookOutcome, WebhookRoute } from '../../channels/types.js';
import { AegisError } from '../../errors.js';
import type { Logger } from '../../util/log.js';
import type { MessagingService } from '../service.js';

export interface MountedRoute {
  channel: ChannelName;
  route: WebhookRoute;
}

export interface InboundWebhookServerOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  routes: MountedRoute[];
}

/** Resolves a host name to every address it has (dns.lookup, as listen() resolves it). */
export type HostLookup = (host: string) => Promise<string[]>;
const systemLookup: HostLookup = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** 127.0.0.0/8, ::1 in any spelling, and IPv4 loopback mapped into IPv6 (::ffff:127.x.y.z). */
function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  if (!isIPv6(address)) return false;
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]`).hostname.slice(1, -1); // the WHATWG URL parser normalises IPv6
  } catch {
    return false; // e.g. a zone id (fe80::1%eth0): a link, not loopback
  }
  if (canonical === '::1') return true;
  const mapped = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(canonical);
  return !!mapped && parseInt(mapped[1]!, 16) >> 8 === 127;
}

/**
 * Whether `host` reaches only this machine: an address literal is judged as it is, a name by every
 * address it resolves to, all of which must be loopback ("127.evil.example" is a name like any other).
 * A name that does not resolve is not loopback.
 */
export async function isLoopback(host: string, resolveHost: HostLookup = systemLookup): Promise<boolean> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  if (isIP(literal)) return isLoopbackAddress(literal);
  try {
    const addresses = await resolveHost(host);
    return addresses.length > 0 && addresses.every(isLoopbackAddress);
  } catch {
    return false;
  }
}

/**
 * A listener reachable from outside must not accept unsigned webhooks: anyone who found the URL
 * could run commands as an allowed sender. Throws with the settings to set.
 */
export async function checkBind(host: string, routes: MountedRoute[], resolveHost?: HostLookup): Promise<void> {
  if (await isLoopback(host, resolveHost)) return;
  const unsigned = routes.filter((r) => !r.route.signed);
  if (!unsigned.length) return;
  throw new AegisError(
    'invalid_input',
    `refusing to listen on ${host}: webhooks of ${[...new Set(unsigned.map((r) => r.channel))].join(', ')} have no signature secret`,
    {
      field: 'serve.host',
      fix: 'give those webhooks a signature secret (for WhatsApp: channels.vonage.signatureSecret), or keep serve.host at 127.0.0.1 (e.g. behind a tunnel); a host name counts as local only if every address it resolves to is loopback',
    },
  );
}

class TooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > max) return reject(new TooLarge());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        req.removeAllListeners('data');
        reject(new TooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * The webhook listener of `ag serve` (node:http). A request is verified by its channel's route
 * before anything is stored; an inbound message is stored (de-duplicated) before the answer goes
 * back, and its command runs after, so the service gets its 200 at once and a retry never runs twice.
 */
export async function startInboundWebhookServer(
  opts: InboundWebhookServerOptions,
  messaging: MessagingService,
  log: Logger,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  checkBind(opts.host, opts.routes);
  const byPath = new Map(opts.routes.map((r) => [r.route.path, r]));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz' && req.method === 'GET') return send(res, 200, { ok: true });
    const mounted = byPath.get(path);
    if (!mounted) return send(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'POST only' });
    readBody(req, opts.maxBodyBytes).then(
      async (body) => {
        let outcome: WebhookOutcome;
        try {
          outcome = await mounted.route.handle({ headers: req.headers, body });
          if (!Number.isInteger(outcome?.status)) throw new Error('the route answered without a status');
        } catch (err) {
          // An integration's route that throws costs that request a 500, never the listener.
          log.error('webhook route failed', { channel: mounted.channel, path, error: (err as Error)?.message ?? String(err) });
          return send(res, 500, { error: 'internal error' });
        }
        if (outcome.refused) log.warn('webhook refused', { channel: mounted.channel, path, reason: outcome.refused, from: req.socket.remoteAddress });
        const fresh = messaging.accept(mounted.channel, outcome.inbound ?? []);
        if (outcome.statuses?.length) messaging.applyStatuses(mounted.channel, outcome.statuses);
        send(res, outcome.status, outcome.body);
        for (const [id, m] of fresh) void messaging.inOrder(id, m);
      },
      (err: unknown) => {
        if (err instanceof TooLarge) {
          send(res, 413, { error: `body larger than ${opts.maxBodyBytes} bytes` });
          req.destroy();
          return;
        }
        log.warn('webhook request failed', { channel: mounted.channel, error: (err as Error).message });
        send(res, 400, { error: 'bad request' });
      },
    );
  });
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new AegisError('unavailable', `cannot listen on ${opts.host}:${opts.port}: ${err.code ?? err.message}`, {
          field: 'serve.port',
          fix:
            err.code === 'EADDRINUSE'
              ? 'another process uses this port (another ag serve?); set serve.port (AEGIS_SERVE_PORT) to a free one'
              : 'check serve.host and serve.port',
        }),
      ),
    );
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
