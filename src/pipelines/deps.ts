import type { Db } from '../db/open.js';
import type { EventBus } from '../events.js';
import type { MemoryStore } from '../memory/index.js';
import type { SessionService } from '../sessions/index.js';
import type { Logger } from '../util/log.js';

/** What pipelines do with sessions: start their stages' agents, stop them, read and judge their turns. */
export type PipelineSessions = Pick<
  SessionService,
  'start' | 'create' | 'kill' | 'get' | 'named' | 'message' | 'turnStatus' | 'transcriptPath' | 'transcript' | 'worktreeCommit'
>;

/** What the stage judge reads of a session beyond its record: its screen, and how its pane ended. */
export interface StageScreens {
  /** The lines on the session's screen now; undefined when nothing watches it. */
  screenLines(sessionId: string): string[] | undefined;
  /** The pane's life as tmux reports it: dead, and its exit status once reaped; undefined when it is gone. */
  paneExit(paneId: string): Promise<{ dead: boolean; deadStatus?: number } | undefined>;
}

/** Everything the pipelines area uses, handed in by the composition root (src/app.ts). */
export interface PipelineDeps {
  db: Db;
  events: EventBus;
  log: Logger;
  /** Memory values a stage's prompt names are read when the stage starts. */
  memory: Pick<MemoryStore, 'get'>;
  sessions: PipelineSessions;
  screens: StageScreens;
  /** `pipelines.maxConcurrent`: stages a pipeline runs at once unless it says otherwise. */
  defaultMaxConcurrent: number;
  /** Starts the background engine (`ag engine`) that advances pipelines when no process does. */
  startEngine: () => void;
  onClose: (fn: () => void) => void;
}
