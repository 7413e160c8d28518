import { ChannelError } from './types.js';

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, when it is JSON. */
  json: unknown;
}

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * One HTTP call to a service. `what` names the service in errors: the URL itself is never put in an
 * error or a log, because some services (Telegram) carry the credential in the path.
 */
export async function httpRequest(what: string, url: string, opts: HttpOptions = {}): Promise<HttpResponse> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? 15_000);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (timeout.aborted ? 'timed out' : (err as Error).message);
    throw new ChannelError(`${what} unreachable (${cause})`, true);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** The wait a 429 or 503 asked for, from the Retry-After header (seconds), in ms. */
export function retryAfterMs(res: HttpResponse): number | undefined {
  const v = res.headers.get('retry-after');
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? Math.ceil(n * 1000) : undefined;
}

/** The usual reading of an HTTP failure: 429 and 5xx are worth retrying, other 4xx are not. */
export function httpFailure(what: string, res: HttpResponse, detail?: string): ChannelError {
  const retryable = res.status === 429 || res.status >= 500 || res.status === 408;
  return new ChannelError(`${what} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`, retryable, {
    status: res.status,
    retryAfterMs: retryAfterMs(res),
  });
}
