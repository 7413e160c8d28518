/**
 * What the parts of the sessions area share: the dependencies handed in by the composition root, the
 * store, tmux, the monitor and the service's lookups. The service builds one of these and hands it to
 * creation, sending, dialogs and controls, so those files never import the service itself.
 */
import type { SessionState } from '../agents/types.js';
import type { Config } from '../config/load.js';
import type { Db } from '../db/open.js';
import type { EventBus } from '../events.js';
import type { TmuxServer } from '../tmux/server.js';
import type { Logger } from '../util/log.js';
import type { WorktreeService } from '../worktrees/index.js';
import type { SessionMonitor } from './monitor.js';
import type { SessionObserver } from './observer.js';
import type { SessionRecord, SessionStore } from './store.js';

/** Everything the sessions area uses, handed in by the composition root (src/app-core.ts). */
export interface SessionDeps {
  config: Config;
  db: Db;
  /** The environment agents start from (secrets are taken out: agents/env). */
  env: NodeJS.ProcessEnv;
  events: EventBus;
  log: Logger;
  onClose: (fn: () => void | Promise<void>) => void;
}

export type SendResult = { status: 'delivered' | 'queued' | 'failed'; messageId: number; position?: number; error?: string };

/** States in which the agent takes a new prompt typed into its input box. */
export const READY: SessionState[] = ['idle', 'asking', 'error'];

export interface SessionCore {
  readonly deps: SessionDeps;
  readonly store: SessionStore;
  readonly tmux: TmuxServer;
  readonly monitor: SessionMonitor;
  readonly worktrees: WorktreeService;
  /** This process's name in leases and message claims. */
  readonly holder: string;
  /** Whether this process watches every live session (start() ran). */
  running(): boolean;
  /** Whether some long-lived process (maybe this one) watches sessions and so delivers queued messages. */
  watcherAlive(): boolean;
  resolve(ref: string): SessionRecord;
  observe(s: SessionRecord): Promise<SessionObserver | undefined>;
  fresh(ref: string): Promise<{ session: SessionRecord; observer?: SessionObserver }>;
  send(ref: string, text: string): Promise<SendResult>;
  /** Starts the background engine when no long-lived process watches (a one-shot CLI cannot deliver later). */
  ensureWatcher(): void;
}
