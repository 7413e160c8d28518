import type { ChannelAdapter } from '../../channels/types.js';
import type { Logger } from '../../util/log.js';
import type { MessagingService } from '../service.js';

const MIN_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;
/** Shortest time between two empty polls. */
const MIN_POLL_MS = 1_000;

/**
 * Keeps one channel's receive loop going (Telegram long polling, Discord REST polling): each batch
 * is stored in the inbox, then confirmed to the service, then run. Errors back off exponentially
 * (a wrong token is logged, not hammered); a stop aborts the poll in flight.
 */
export class Poller {
  private readonly abort = new AbortController();
  private loop?: Promise<void>;

  constructor(
    private readonly adapter: ChannelAdapter,
    private readonly messaging: MessagingService,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    let backoff = MIN_BACKOFF_MS;
    while (!signal.aborted) {
      const started = performance.now();
      try {
        const batch = await this.adapter.poll!(signal);
        const fresh = this.messaging.accept(this.adapter.name, batch.messages);
        batch.commit();
        for (const [id, m] of fresh) void this.messaging.inOrder(id, m);
        backoff = MIN_BACKOFF_MS;
        // A poll that answers at once with nothing (an integration's that does not wait) must not spin.
        if (!batch.messages.length) await this.pause(MIN_POLL_MS - (performance.now() - started));
      } catch (err) {
        if (signal.aborted) break;
        this.log.warn('poll failed', { channel: this.adapter.name, error: (err as Error)?.message ?? String(err), retryInMs: backoff });
        await this.pause(backoff);
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  }

  /** Waits `ms` (nothing when ≤ 0), or less when the poller is stopped. */
  private pause(ms: number): Promise<void> {
    const signal = this.abort.signal;
    if (ms <= 0 || signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}
