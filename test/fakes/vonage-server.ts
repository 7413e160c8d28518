import { createHash, createHmac, generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import { listenLoopback, readBody } from './http.js';

/**
 * A local Vonage Messages API plus Vonage's side of the webhooks, in the real wire format:
 * - POST /v1/messages checks the application JWT (RS256, signed with the application's private key,
 *   application_id / iat / exp / jti claims) against the public key, validates a WhatsApp text,
 *   image or file message and answers 202 {message_uuid};
 * - inbound() and status() POST webhooks to our server the way Vonage does: JSON bodies in the
 *   Messages API shape with an Authorization: Bearer HS256 token signed with the signature secret
 *   whose payload_hash is the SHA-256 of the body.
 */

export interface VonageSent {
  messageUuid: string;
  to: string;
  from: string;
  channel: string;
  messageType: string;
  text?: string;
  image?: { url: string; caption?: string };
  file?: { url: string; caption?: string };
  /** message_type custom: the WhatsApp interactive message (reply buttons or a list). */
  interactive?: Interactive;
  /** message_type template: the approved template and its parameters, with the WhatsApp policy and locale. */
  template?: { name: string; parameters?: string[]; locale: string };
  clientRef?: string;
  at: number;
}

/** WhatsApp's interactive message object, as carried in a Vonage `custom` message. */
export interface Interactive {
  type: 'button' | 'list';
  body: { text: string };
  action: {
    buttons?: { type: string; reply: { id: string; title: string } }[];
    button?: string;
    sections?: { title?: string; rows: { id: string; title: string; description?: string }[] }[];
  };
}

/** What WhatsApp would refuse in an interactive message (its documented limits), or undefined. */
function interactiveProblem(custom: { type?: string; interactive?: Interactive } | undefined): string | undefined {
  const i = custom?.interactive;
  if (custom?.type !== 'interactive' || !i) return 'custom.type must be interactive here';
  if (!i.body?.text || i.body.text.length > 1024) return 'interactive.body.text must be 1-1024 characters';
  if (i.type === 'button') {
    const b = i.action?.buttons ?? [];
    if (b.length < 1 || b.length > 3) return 'interactive buttons: 1 to 3';
    if (b.some((x) => x.type !== 'reply' || !x.reply?.id || x.reply.id.length > 256 || !x.reply.title || x.reply.title.length > 20))
      return 'each button: type reply, id <= 256, title 1-20 characters';
    if (new Set(b.map((x) => x.reply.id)).size !== b.length) return 'button ids must be unique';
    return undefined;
  }
  if (i.type === 'list') {
    const rows = (i.action?.sections ?? []).flatMap((s) => s.rows ?? []);
    if (!i.action?.button || i.action.button.length > 20) return 'list button label 1-20 characters';
    if (rows.length < 1 || rows.length > 10) return 'list rows: 1 to 10';
    if (rows.some((r) => !r.id || r.id.length > 200 || !r.title || r.title.length > 24 || (r.description?.length ?? 0) > 72))
      return 'each row: id <= 200, title 1-24, description <= 72 characters';
    return undefined;
  }
  return 'interactive.type must be button or list';
}

export interface FakeVonage {
  url: string;
  applicationId: string;
  /** The private key as base64 of its PEM, the way it goes into AEGIS_VONAGE_PRIVATE_KEY. */
  privateKeyBase64: string;
  sent: VonageSent[];
  rejectedAuth: number;
  /** The next `count` sends answer this HTTP status. */
  failNext(count: number, status: number): void;
  /**
   * This number has not written for 24 hours: free-form messages to it are accepted (202) but not
   * delivered, and listed in `refusedByWindow` for a `rejected` status with error 1340; templates go.
   */
  closeWindow(number: string): void;
  openWindow(number: string): void;
  refusedByWindow: { messageUuid: string; to: string }[];
  close(): Promise<void>;
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');
const now = () => performance.timeOrigin + performance.now();

function checkJwt(auth: string | undefined, publicKey: KeyObject, applicationId: string): string | undefined {
  const token = auth?.startsWith('Bearer ') ? auth.slice(7) : undefined;
  if (!token) return 'missing bearer token';
  const [h, p, s] = token.split('.');
  if (!h || !p || !s) return 'malformed token';
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
  if (header.alg !== 'RS256') return `alg ${header.alg}`;
  if (!verify('sha256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return 'bad signature';
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as { application_id?: string; exp?: number; iat?: number; jti?: string };
  if (claims.application_id !== applicationId) return 'wrong application_id';
  if (!claims.jti || !claims.iat) return 'missing claims';
  if (!claims.exp || claims.exp < Date.now() / 1000) return 'expired';
  return undefined;
}

export async function startFakeVonage(): Promise<FakeVonage> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const applicationId = randomUUID();
  let failures = { count: 0, status: 500 };
  const closed = new Set<string>();
  const fake = {
    applicationId,
    privateKeyBase64: Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string).toString('base64'),
    sent: [] as VonageSent[],
    rejectedAuth: 0,
    refusedByWindow: [] as FakeVonage['refusedByWindow'],
    closeWindow(number: string) {
      closed.add(number);
    },
    openWindow(number: string) {
      closed.delete(number);
    },
    failNext(count: number, status: number) {
      failures = { count, status };
    },
  };
  const problem = (status: number, title: string, detail: string) => ({
    type: `https://developer.vonage.com/api-errors#${status}`,
    title,
    detail,
    instance: randomUUID(),
  });
  const server = createServer(async (req, res) => {
    const answer = (status: number, body: unknown) => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(text);
    };
    if (req.method !== 'POST' || req.url !== '/v1/messages') return answer(404, problem(404, 'Not Found', 'no such endpoint'));
    const authError = checkJwt(req.headers.authorization, publicKey, applicationId);
    const raw = await readBody(req);
    if (authError) {
      fake.rejectedAuth++;
      return answer(401, problem(401, 'Unauthorized', `You did not provide correct credentials (${authError})`));
    }
    if (failures.count > 0) {
      failures.count--;
      return answer(failures.status, problem(failures.status, failures.status === 429 ? 'Rate Limit Hit' : 'Internal Error', 'injected failure'));
    }
    const m = JSON.parse(raw) as {
      to?: string;
      from?: string;
      channel?: string;
      message_type?: string;
      text?: string;
      image?: { url: string; caption?: string };
      file?: { url: string; caption?: string };
      custom?: { type?: string; interactive?: Interactive };
      template?: { name?: unknown; parameters?: unknown };
      whatsapp?: { policy?: unknown; locale?: unknown };
      client_ref?: string;
    };
    if (m.channel !== 'whatsapp') return answer(422, problem(422, 'Invalid params', 'channel must be whatsapp here'));
    if (!/^\d{7,15}$/.test(m.to ?? '') || !/^\d{7,15}$/.test(m.from ?? ''))
      return answer(422, problem(422, 'Invalid params', 'to and from must be E.164 numbers without +'));
    if (m.message_type === 'text' && (!m.text || m.text.length > 4096)) return answer(422, problem(422, 'Invalid params', 'text must be 1-4096 characters'));
    if (m.message_type === 'image' && !m.image?.url) return answer(422, problem(422, 'Invalid params', 'image.url is required'));
    if (m.message_type === 'file' && !m.file?.url) return answer(422, problem(422, 'Invalid params', 'file.url is required'));
    // WhatsApp's documented maximum for a media caption.
    if ((m.image?.caption ?? m.file?.caption ?? '').length > 1024)
      return answer(422, problem(422, 'Invalid params', 'caption must be at most 1024 characters'));
    const customProblem = m.message_type === 'custom' ? interactiveProblem(m.custom) : undefined;
    if (customProblem) return answer(422, problem(422, 'Invalid params', customProblem));
    if (m.message_type === 'template') {
      const t = m.template;
      if (typeof t?.name !== 'string' || !t.name) return answer(422, problem(422, 'Invalid params', 'template.name is required'));
      if (t.parameters !== undefined && (!Array.isArray(t.parameters) || t.parameters.some((x) => typeof x !== 'string')))
        return answer(422, problem(422, 'Invalid params', 'template.parameters must be an array of strings'));
      if (m.whatsapp?.policy !== 'deterministic' || typeof m.whatsapp.locale !== 'string')
        return answer(422, problem(422, 'Invalid params', 'whatsapp.policy must be deterministic and whatsapp.locale a language code'));
    }
    if (!['text', 'image', 'file', 'custom', 'template'].includes(m.message_type ?? ''))
      return answer(422, problem(422, 'Invalid params', 'unsupported message_type'));
    const messageUuid = randomUUID();
    if (closed.has(m.to!) && m.message_type !== 'template') {
      fake.refusedByWindow.push({ messageUuid, to: m.to! });
      return answer(202, { message_uuid: messageUuid });
    }
    const template =
      m.message_type === 'template'
        ? { name: m.template!.name as string, parameters: m.template!.parameters as string[] | undefined, locale: m.whatsapp!.locale as string }
        : undefined;
    fake.sent.push({
      template,
      messageUuid,
      to: m.to!,
      from: m.from!,
      channel: m.channel,
      messageType: m.message_type!,
      text: m.text,
      image: m.image,
      file: m.file,
      interactive: m.custom?.interactive,
      clientRef: m.client_ref,
      at: now(),
    });
    answer(202, { message_uuid: messageUuid });
  });
  return Object.assign(fake, await listenLoopback(server));
}

/** A Vonage signed-webhook token: HS256 with the signature secret, payload_hash = SHA-256 of the body. */
export function vonageWebhookToken(secret: string, body: string, opts: { iat?: number; payloadHash?: string } = {}): string {
  const iat = opts.iat ?? Math.floor(Date.now() / 1000);
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(
    JSON.stringify({
      iat,
      jti: randomUUID(),
      iss: 'Vonage',
      payload_hash: opts.payloadHash ?? createHash('sha256').update(body).digest('hex'),
      api_key: 'abcd1234',
      application_id: randomUUID(),
    }),
  );
  const sig = createHmac('sha256', secret).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${sig}`;
}

/** An inbound WhatsApp text as the Messages API posts it; `at` (ms): when it was sent. */
export function inboundText(from: string, to: string, text: string, messageUuid: string = randomUUID(), at = Date.now()): Record<string, unknown> {
  return {
    channel: 'whatsapp',
    message_uuid: messageUuid,
    to,
    from,
    timestamp: new Date(at).toISOString(),
    message_type: 'text',
    text,
    profile: { name: 'Tess' },
  };
}

/** A press of an interactive reply button or list row, as the Messages API posts it (message_type reply). */
export function inboundReply(from: string, to: string, id: string, title: string, messageUuid: string = randomUUID()): Record<string, unknown> {
  return {
    channel: 'whatsapp',
    message_uuid: messageUuid,
    to,
    from,
    timestamp: new Date().toISOString(),
    message_type: 'reply',
    reply: { id, title },
    profile: { name: 'Tess' },
  };
}

/** A message status update as the Messages API posts it. */
export function statusUpdate(
  messageUuid: string,
  to: string,
  from: string,
  status: 'submitted' | 'delivered' | 'read' | 'rejected' | 'undeliverable',
  error?: { title: string; detail: string; type?: string },
): Record<string, unknown> {
  return {
    message_uuid: messageUuid,
    to,
    from,
    timestamp: new Date().toISOString(),
    status,
    channel: 'whatsapp',
    ...(error ? { error: { type: 'https://developer.vonage.com/api-errors/messages#1300', ...error } } : {}),
  };
}

/** Posts a webhook to our server as Vonage would; `auth` overrides the Authorization header (forgeries). */
export async function postWebhook(
  url: string,
  payload: unknown,
  opts: { secret?: string; auth?: string | null; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  const body = JSON.stringify(payload);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.auth !== null) {
    const auth = opts.auth ?? (opts.secret ? `Bearer ${vonageWebhookToken(opts.secret, body)}` : undefined);
    if (auth) headers.authorization = auth;
  }
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, body: await res.text() };
}
