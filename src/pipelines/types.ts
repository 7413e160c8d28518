import type { NamedAgent, PermissionModeName } from '../agents/names.js';
import type { Budget } from '../usage/index.js';
import type { Dialog, SessionState } from '../agents/types.js';

export const PIPELINE_STATUSES = ['running', 'done', 'failed', 'cancelled'] as const;
export type PipelineStatus = (typeof PIPELINE_STATUSES)[number];

export const STAGE_STATUSES = ['pending', 'running', 'done', 'failed', 'skipped', 'cancelled'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

/** A stage in one of these will not change again. */
export const FINAL_STAGE_STATUSES: readonly StageStatus[] = ['done', 'failed', 'skipped', 'cancelled'];

export type AttemptStatus = 'starting' | 'running' | 'done' | 'failed' | 'cancelled';

export const ON_FAILURE = ['stop', 'continue'] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** Bounds of a definition; names are short because they make up the stage sessions' names. */
export const PIPELINE_LIMITS = {
  nameChars: 24,
  stages: 100,
  retriesMax: 10,
  timeoutSecMin: 1,
  timeoutSecMax: 7 * 24 * 3600,
  defaultTimeoutSec: 1800,
} as const;

/** One stage as the caller writes it (pipeline_create, a pipeline.json file). */
export interface StageInput {
  name: string;
  prompt: string;
  agent?: NamedAgent;
  workDir?: string;
  dependsOn?: string[];
  permissionMode?: PermissionModeName;
  timeoutSec?: number;
  retries?: number;
  model?: string;
  /** Run in the stage's own git worktree; baseRef may name an earlier stage's branch: {{stages.<name>.branch}}. */
  worktree?: boolean;
  baseRef?: string;
}

export interface PipelineInput {
  name: string;
  workDir: string;
  stages: StageInput[];
  onFailure?: OnFailure;
  maxConcurrent?: number;
  /** Extra environment for every stage's agent (kept in the database, never returned by a tool). */
  env?: Record<string, string>;
  budget?: Budget;
}

/** A validated stage: defaults filled in, workDir absolute. */
export interface StageSpec {
  name: string;
  prompt: string;
  agent: NamedAgent;
  workDir: string;
  dependsOn: string[];
  permissionMode?: PermissionModeName;
  timeoutSec: number;
  retries: number;
  model?: string;
  worktree?: boolean;
  baseRef?: string;
}

export interface PipelineSpec {
  name: string;
  workDir: string;
  stages: StageSpec[];
  onFailure: OnFailure;
  maxConcurrent: number;
  env: Record<string, string>;
  budget?: Budget;
}

export interface PipelineRow {
  id: string;
  name: string;
  sessionPrefix: string;
  workDir: string;
  onFailure: OnFailure;
  maxConcurrent: number;
  status: PipelineStatus;
  spec: PipelineSpec;
  error?: string;
  createdAt: number;
  finishedAt?: number;
  /** The share of its budget already announced: 0, 80 or 100. */
  budgetNotified: number;
}

export interface StageRow {
  pipelineId: string;
  name: string;
  position: number;
  status: StageStatus;
  attempts: number;
  sessionId?: string;
  output?: string;
  files: string[];
  error?: string;
  startedAt?: number;
  finishedAt?: number;
}

export interface AttemptRow {
  pipelineId: string;
  stage: string;
  attempt: number;
  sessionName: string;
  prompt: string;
  status: AttemptStatus;
  claimedBy: string;
  sessionId?: string;
  messageId?: number;
  error?: string;
  createdAt: number;
  sessionCreatedAt?: number;
  finishedAt?: number;
}

/** A stage as pipeline_get shows it: its row, its definition and, while running, its session's state. */
export interface StageView extends StageRow {
  spec: StageSpec;
  maxAttempts: number;
  sessionName?: string;
  sessionState?: SessionState;
  dialog?: Dialog;
  history: AttemptRow[];
}

export interface PipelineView extends PipelineRow {
  stages: StageView[];
  done: number;
  total: number;
}
