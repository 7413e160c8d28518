/** What a session and a queued message are, and how their SQLite rows map onto them. */
import type { Dialog, SessionState } from '../agents/types.js';
import type { Budget } from '../usage/index.js';
import type { WorktreeInfo } from '../worktrees/index.js';

/** A session as remembered in SQLite. */
export interface SessionRecord {
  id: string;
  name: string;
  agent: string;
  argv: string[];
  workDir: string;
  permissionMode: string;
  model?: string;
  state: SessionState;
  stateSince: number;
  lastActivity: number;
  dialog?: Dialog;
  lastAssistant?: string;
  tmuxWindow?: string;
  tmuxPane?: string;
  panePid?: number;
  agentSessionId?: string;
  transcriptPath?: string;
  hooksFile?: string;
  initialPrompt?: string;
  promptDelivered: boolean;
  exitStatus?: number;
  error?: string;
  createdAt: number;
  endedAt?: number;
  /** The session's own git worktree, when it was started in one. */
  worktree?: WorktreeInfo;
  /** Why Aegis stopped it (idle timeout, budget), when Aegis did. */
  stopReason?: string;
  budget?: Budget;
  /** The share of the budget already announced: 0, 80 or 100. */
  budgetNotified?: number;
  /** The agent's version, once first learned (see migration 9). */
  agentVersion?: string;
}

export interface QueuedMessage {
  id: number;
  sessionId: string;
  text: string;
  status: 'queued' | 'delivering' | 'delivered' | 'failed';
  attempts: number;
  createdAt: number;
  deliveredAt?: number;
  error?: string;
}

export interface Row {
  id: string;
  name: string;
  agent: string;
  argv: string;
  work_dir: string;
  permission_mode: string;
  model: string | null;
  state: string;
  state_since: number;
  last_activity: number;
  dialog: string | null;
  last_assistant: string | null;
  tmux_window: string | null;
  tmux_pane: string | null;
  pane_pid: number | null;
  agent_session_id: string | null;
  transcript_path: string | null;
  hooks_file: string | null;
  initial_prompt: string | null;
  prompt_delivered: number;
  exit_status: number | null;
  error: string | null;
  created_at: number;
  ended_at: number | null;
  worktree: string | null;
  stop_reason: string | null;
  budget: string | null;
  budget_notified: number;
  agent_version: string | null;
}

export const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export function fromRow(r: Row): SessionRecord {
  return {
    id: r.id,
    name: r.name,
    agent: r.agent,
    argv: JSON.parse(r.argv) as string[],
    workDir: r.work_dir,
    permissionMode: r.permission_mode,
    model: opt(r.model),
    state: r.state as SessionState,
    stateSince: r.state_since,
    lastActivity: r.last_activity,
    dialog: r.dialog ? (JSON.parse(r.dialog) as Dialog) : undefined,
    lastAssistant: opt(r.last_assistant),
    tmuxWindow: opt(r.tmux_window),
    tmuxPane: opt(r.tmux_pane),
    panePid: opt(r.pane_pid),
    agentSessionId: opt(r.agent_session_id),
    transcriptPath: opt(r.transcript_path),
    hooksFile: opt(r.hooks_file),
    initialPrompt: opt(r.initial_prompt),
    promptDelivered: r.prompt_delivered === 1,
    exitStatus: opt(r.exit_status),
    error: opt(r.error),
    createdAt: r.created_at,
    endedAt: opt(r.ended_at),
    worktree: r.worktree ? (JSON.parse(r.worktree) as WorktreeInfo) : undefined,
    stopReason: opt(r.stop_reason),
    budget: r.budget ? (JSON.parse(r.budget) as Budget) : undefined,
    budgetNotified: r.budget_notified,
    agentVersion: opt(r.agent_version),
  };
}

export interface MessageRow {
  id: number;
  session_id: string;
  text: string;
  status: QueuedMessage['status'];
  attempts: number;
  error: string | null;
  created_at: number;
  delivered_at: number | null;
}

export function messageFromRow(r: MessageRow): QueuedMessage {
  return {
    id: r.id,
    sessionId: r.session_id,
    text: r.text,
    status: r.status,
    attempts: r.attempts,
    createdAt: r.created_at,
    deliveredAt: opt(r.delivered_at),
    error: opt(r.error),
  };
}
