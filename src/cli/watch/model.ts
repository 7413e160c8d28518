import type { Dialog, SessionState } from '../../agents/types.js';
import type { App } from '../../app.js';
import type { SessionRecord } from '../../sessions/index.js';

/** One session as `ag watch` shows it: what it is, what it does, and what it waits on. */
export interface WatchRow {
  id: string;
  name: string;
  agent: string;
  state: SessionState;
  /** When the session entered its state (ms). */
  since: number;
  dialog?: Dialog;
  /** The last non-empty line of the agent's last reply, whitespace collapsed. */
  lastLine?: string;
  /** Prompts waiting to be delivered. */
  queued: number;
  /** `pipeline/stage` when the session runs a pipeline stage. */
  stage?: string;
}

/** Ended sessions shown below the live ones, newest first: enough to see what just finished. */
const ENDED_SHOWN = 10;
const ENDED: SessionState[] = ['exited', 'dead'];

export function lastLine(text: string | undefined): string | undefined {
  const line = text
    ?.split('\n')
    .map((l) => l.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .pop();
  return line || undefined;
}

/**
 * Reads every row from SQLite (the shared truth every Aegis process writes): live sessions in the
 * order they were created, so a row does not move while a person looks at it, then the latest ended.
 */
export function loadRows(app: App): WatchRow[] {
  const live = app.sessions.live();
  const ended = app.sessions.list({ states: ENDED, limit: ENDED_SHOWN, offset: 0 }).sessions;
  return [...live, ...ended].map((s) => toRow(app, s));
}

function toRow(app: App, s: SessionRecord): WatchRow {
  const live = !ENDED.includes(s.state);
  return {
    id: s.id,
    name: s.name,
    agent: s.agent,
    state: s.state,
    since: s.stateSince,
    dialog: live ? s.dialog : undefined,
    lastLine: lastLine(s.lastAssistant),
    queued: live ? app.sessions.queued(s.id).length : 0,
    stage: live ? app.pipelines.stageOfSession(s.id) : undefined,
  };
}
