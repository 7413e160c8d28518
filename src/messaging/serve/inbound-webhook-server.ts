import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** The secret of each built-in channel whose webhooks can lack one (Telegram's is generated when unset). */
const SECRET_SETTING: Partial<Record<ChannelName, { key: string; env: string; value: string }>> = {
  whatsapp: { key: 'channels.vonage.signatureSecret', env: 'AEGIS_VONAGE_SIGNATURE_SECRET', value: 'the signature secret of your Vonage API settings' },
};

/**
 * Every webhook must be signed, whatever address the listener binds: on 127.0.0.1 any local process
 * or user can post to it, and a tunnel in front of it makes it public. Anyone who can post an
 * unsigned request could run commands as an allowed sender. Throws with the settings to set.
 */
export function refuseUnsigned(routes: MountedRoute[]): void {
  const channels = [...new Set(routes.filter((r) => !r.route.signed).map((r) => r.channel))];
  if (!channels.length) return;
  const known = channels.flatMap((c) => SECRET_SETTING[c] ?? []);
  const fixes = channels.map((c) => {
    const s = SECRET_SETTING[c];
    return s ? `set ${s.key} in config.json (or ${s.env}) to ${s.value}` : `configure the secret of ${c}'s integration so that its webhooks are signed`;
  });
  throw new AegisError('invalid_input', `refusing to receive webhooks of ${channels.join(', ')}: they have no signature secret`, {
    field: known.length ? known.map((s) => s.key).join(', ') : 'integrations',
    fix: `${fixes.join('; ')}; or remove the channel's settings`,
  });
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
  refuseUnsigned(opts.routes);
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
