import type { Config } from '../config/load.js';
import { AegisError } from '../errors.js';
import { BUILTIN_CHANNELS } from './builtin.js';
import type { ChannelAdapter, ChannelDescription, CursorStore } from './types.js';

/** Settings a built-in channel still needs before it counts as configured (an integration's are checked when it loads). */
export function missingSettings(config: Config, channel: string): string[] {
  return (BUILTIN_CHANNELS.find((c) => c.name === channel)?.requires ?? []).filter((key) => {
    const v = config.settings.get(key)?.value;
    return v === undefined || (Array.isArray(v) && v.length === 0);
  });
}

const fail = (source: string, message: string, fix: string) => new AegisError('invalid_input', `${source}: ${message}`, { field: source, fix });

/**
 * Checks what a channel factory returned, for built-ins and integrations alike: the methods and
 * limits the outbox and router rely on, the name, and (for an integration) webhook paths under
 * `/api/<name>/` so one channel cannot take over another's route.
 */
export function checkAdapter(adapter: ChannelAdapter | undefined, name: string, source: string, opts: { ownRoutes?: boolean } = {}): ChannelAdapter {
  const a = adapter as Partial<ChannelAdapter> | undefined;
  const missing = !a ? ['an adapter'] : (['send', 'isAllowed', 'describe'] as const).filter((m) => typeof a[m] !== 'function');
  if (a && (typeof a.maxLength !== 'number' || a.maxLength < 1)) missing.push('maxLength');
  if (a && typeof a.markup !== 'string') missing.push('markup');
  if (missing.length)
    throw fail(
      source,
      `the channel factory returned no ${missing.join(', ')}`,
      'return { name: ctx.integration, maxLength, markup, send, isAllowed, describe } (ChannelAdapter from "aegis-agents")',
    );
  if (a!.name !== name) throw fail(source, `the channel is named "${a!.name}"`, `name it after its integration: name: ctx.integration ("${name}")`);
  for (const m of ['poll', 'probe', 'acknowledge', 'refuse', 'edit', 'start'] as const) {
    if (a![m] !== undefined && typeof a![m] !== 'function')
      throw fail(source, `the channel's ${m} is not a function`, `write ${m}(...) { ... } or leave it out`);
  }
  // channel_list, ag doctor and ag serve call describe(): a broken one is caught here, at load.
  let d: Partial<ChannelDescription> | undefined;
  try {
    d = a!.describe!();
  } catch (err) {
    throw fail(
      source,
      `the channel's describe() threw: ${(err as Error)?.message ?? String(err)}`,
      'make describe() return { channel, modes, allowedSenders, problems } without throwing',
    );
  }
  if (!Array.isArray(d?.modes) || !Array.isArray(d.problems) || typeof d.allowedSenders !== 'number') {
    throw fail(
      source,
      "the channel's describe() does not return { modes: [], allowedSenders: number, problems: [] }",
      'return e.g. { channel: ctx.integration, modes: ["webhook"], allowedSenders: 1, problems: [] }',
    );
  }
  if (a!.webhooks !== undefined) {
    if (!Array.isArray(a!.webhooks)) throw fail(source, "the channel's webhooks is not a list", 'write webhooks: [{ path, signed, handle(req) { ... } }]');
    for (const route of a!.webhooks) {
      if (typeof route?.path !== 'string' || typeof route.handle !== 'function')
        throw fail(
          source,
          'a webhook route has no path or handle',
          'write { path: "/api/<name>/inbound", signed: true, handle(req) { return { status: 200 } } }',
        );
      if (opts.ownRoutes && !route.path.startsWith(`/api/${name}/`))
        throw fail(source, `webhook path ${route.path} is outside /api/${name}/`, `mount it under /api/${name}/, e.g. /api/${name}/inbound`);
    }
  }
  return adapter!;
}

/** Runs a channel factory that may be async (an integration's, given its ChannelContext) and checks what it built. */
export async function buildChannel<C extends { integration: string }>(
  factory: (ctx: C) => ChannelAdapter | Promise<ChannelAdapter>,
  ctx: C,
  source: string,
): Promise<ChannelAdapter> {
  let adapter: ChannelAdapter;
  try {
    adapter = await factory(ctx);
  } catch (err) {
    throw fail(
      source,
      `the channel factory threw: ${(err as Error)?.message ?? String(err)}`,
      'build the adapter from ctx.settings without network calls (check credentials in probe())',
    );
  }
  return checkAdapter(adapter, ctx.integration, source, { ownRoutes: true });
}

/** An adapter for every configured built-in channel; unconfigured ones are absent. Integration channels join later (MessagingService.ready). */
export function buildBuiltinAdapters({ config }: { config: Config }, cursors: CursorStore): Map<string, ChannelAdapter> {
  const adapters = new Map<string, ChannelAdapter>();
  for (const c of BUILTIN_CHANNELS) {
    if (missingSettings(config, c.name).length) continue;
    adapters.set(c.name, checkAdapter(c.factory({ config, cursors }), c.name, c.source));
  }
  return adapters;
}
