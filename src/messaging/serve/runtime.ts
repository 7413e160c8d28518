import { acquireLease, releaseLease } from '../../db/lease.js';
import { SENDER_LEASE } from './sender-lease.js';
import { forwardEvents, OBSERVED_EVENTS } from '../delivery/event-forwarding.js';
import { pruneMessages } from '../delivery/messages.js';
import { Notifier } from '../notifications/notifier.js';
import { Poller } from './poller.js';
import { BriefingScheduler } from '../notifications/scheduler.js';
import { subscriptions } from '../delivery/targets.js';
import { refuseUnsigned, startInboundWebhookServer, type MountedRoute } from './inbound-webhook-server.js';
import type { MessagingDeps } from '../deps.js';
import type { MessagingService } from '../service.js';

/** What `ag serve` runs on: messaging's own dependencies and the messaging service itself. */
export type ServeDeps = Pick<MessagingDeps, 'config' | 'db' | 'events' | 'log' | 'version' | 'sessions' | 'pipelines'> & { messaging: MessagingService };

export interface ServeOptions {
  host?: string;
  port?: number;
  /** How long the sender lease lasts without renewal; another `ag serve` takes over after it. */
  leaseMs?: number;
  /** Called when this process becomes (or stops being) the sender. */
  onRole?: (role: 'active' | 'standby') => void;
}

const DEFAULT_LEASE_MS = 15_000;
const DAY_MS = 86_400_000;
/** How often the sender prunes old messages (and once when it becomes the sender). */
const PRUNE_EVERY_MS = 3_600_000;

/**
 * `ag serve`: the long-lived messaging process. It watches every live session (so it sees their
 * events), and while it holds the sender lease it runs the pollers, the webhook listener, the
 * notifier, the briefing scheduler, the outbound event webhooks and the outbox. A second `ag serve`
 * stands by and takes over when the first stops renewing, so nothing is ever sent twice.
 */
export class ServeRuntime {
  role: 'active' | 'standby' = 'standby';
  url?: string;
  private leaseTimer?: NodeJS.Timeout;
  private stopActive?: () => Promise<void>;
  private switching = Promise.resolve();
  private readonly leaseMs: number;

  constructor(
    private readonly deps: ServeDeps,
    private readonly opts: ServeOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  private get host(): string {
    return this.opts.host ?? this.deps.config.get('serve.host');
  }

  private routes(): MountedRoute[] {
    return [...this.deps.messaging.adapters.values()].flatMap((a) => (a.webhooks ?? []).map((route) => ({ channel: a.name, route })));
  }

  async start(): Promise<void> {
    // Refuse unsigned webhooks before anything runs, not when the lease is won later.
    await this.deps.messaging.ready();
    refuseUnsigned(this.routes());
    this.deps.messaging.operators();
    await this.deps.sessions.start();
    await this.deps.pipelines.start();
    await this.tick();
    this.leaseTimer = setInterval(() => void this.tick().catch(() => {}), Math.max(250, Math.floor(this.leaseMs / 3)));
  }

  /**
   * Renews or tries to take the lease, and starts or stops the sending parts to match. A failure to
   * take over (the port is taken) gives the lease back for another process and is retried next tick.
   */
  private tick(): Promise<void> {
    const run = this.switching.then(async () => {
      // A sender that was killed (kill -9, a crash) cannot renew: acquireLease takes over at once.
      const held = acquireLease(this.deps.db, SENDER_LEASE, this.deps.messaging.holder, this.leaseMs);
      if (held && this.role === 'standby') await this.activate();
      else if (!held && this.role === 'active') await this.deactivate();
    });
    this.switching = run.catch((err: Error) => {
      releaseLease(this.deps.db, SENDER_LEASE, this.deps.messaging.holder);
      this.deps.log.error('ag serve could not start sending', { error: err.message });
    });
    return run;
  }

  private async activate(): Promise<void> {
    const deps = this.deps;
    const m = deps.messaging;
    const subs = subscriptions(deps.config, new Set(m.adapters.keys()));
    for (const s of subs)
      if (!m.adapters.has(s.channel)) deps.log.warn('a subscription names a channel that is not configured', { target: `${s.channel}:${s.to}` });
    const notifier = new Notifier(deps, m, {
      subscriptions: subs,
      ratePerMinute: deps.config.get('notify.ratePerMinute'),
      dedupMs: deps.config.get('notify.dedupSeconds') * 1000,
    });
    const scheduler = new BriefingScheduler(deps, m, notifier);
    const pollers = [...m.adapters.values()].filter((a) => a.poll).map((a) => new Poller(a, m, deps.log));
    const routes = this.routes();
    const server = routes.length
      ? await startInboundWebhookServer(
          { host: this.host, port: this.opts.port ?? deps.config.get('serve.port'), maxBodyBytes: deps.config.get('serve.maxBodyBytes'), routes },
          m,
          deps.log,
        )
      : undefined;
    this.url = server?.url;
    // Each channel gets ready to receive, once the listener is up (Telegram: setWebhook, or deleteWebhook
    // so getUpdates works). Not awaited: a slow service must not hold up the lease renewals; a failure is
    // logged, and a poll that fails meanwhile is retried by its poller.
    for (const a of m.adapters.values())
      a.start?.().catch((err: Error) => deps.log.error('a channel could not get ready to receive', { channel: a.name, error: err?.message ?? String(err) }));
    m.outbox.start();
    // Before the pollers start: what a sender that died stored, confirmed and left unfinished.
    m.recover();
    notifier.start();
    scheduler.start();
    const unforward = forwardEvents(deps, m, OBSERVED_EVENTS);
    pollers.forEach((p) => p.start());
    const prune = () => {
      const now = Date.now();
      const removed = pruneMessages(deps.db, now - deps.config.get('messaging.retentionDays') * DAY_MS, now - DAY_MS);
      if (removed) deps.log.info('pruned old messages', { removed });
    };
    prune();
    const pruner = setInterval(prune, PRUNE_EVERY_MS);
    pruner.unref();
    this.role = 'active';
    this.stopActive = async () => {
      clearInterval(pruner);
      unforward();
      scheduler.stop();
      notifier.stop();
      await Promise.all(pollers.map((p) => p.stop()));
      await server?.close();
      // Received messages were confirmed to their service: they finish here, or nobody runs them.
      await m.settle();
      await m.outbox.stop();
    };
    deps.log.info('ag serve is the sender', { webhooks: this.url, polling: pollers.length });
    this.opts.onRole?.('active');
  }

  private async deactivate(): Promise<void> {
    await this.stopActive?.();
    this.stopActive = undefined;
    this.url = undefined;
    this.role = 'standby';
    this.deps.log.warn('ag serve lost the sender lease; standing by');
    this.opts.onRole?.('standby');
  }

  async stop(): Promise<void> {
    clearInterval(this.leaseTimer);
    await this.switching;
    if (this.role === 'active') {
      await this.stopActive?.();
      releaseLease(this.deps.db, SENDER_LEASE, this.deps.messaging.holder);
      this.role = 'standby';
    }
  }
}
