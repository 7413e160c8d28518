/**
 * Pipeline tables' rows as SQLite returns them (snake_case, NULLs) and their conversion to the
 * rows the rest of the area uses (types.ts): the mapping layer under PipelineStore (store.ts).
 */
import type { AttemptRow, OnFailure, PipelineRow, PipelineSpec, PipelineStatus, StageRow, StageStatus } from './types.js';

export interface PipelineDbRow {
  id: string;
  name: string;
  session_prefix: string;
  work_dir: string;
  on_failure: OnFailure;
  max_concurrent: number;
  status: PipelineStatus;
  spec: string;
  error: string | null;
  created_at: number;
  finished_at: number | null;
  budget_notified: number;
}

export interface StageDbRow {
  pipeline_id: string;
  name: string;
  position: number;
  status: StageStatus;
  attempts: number;
  session_id: string | null;
  output: string | null;
  files: string | null;
  error: string | null;
  started_at: number | null;
  finished_at: number | null;
}

export interface AttemptDbRow {
  pipeline_id: string;
  stage: string;
  attempt: number;
  session_name: string;
  prompt: string;
  status: AttemptRow['status'];
  claimed_by: string;
  session_id: string | null;
  message_id: number | null;
  error: string | null;
  created_at: number;
  session_created_at: number | null;
  finished_at: number | null;
}

/** A nullable column as an optional field. */
export const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export const pipelineFromRow = (r: PipelineDbRow): PipelineRow => ({
  id: r.id,
  name: r.name,
  sessionPrefix: r.session_prefix,
  workDir: r.work_dir,
  onFailure: r.on_failure,
  maxConcurrent: r.max_concurrent,
  status: r.status,
  spec: JSON.parse(r.spec) as PipelineSpec,
  error: opt(r.error),
  createdAt: r.created_at,
  finishedAt: opt(r.finished_at),
  budgetNotified: r.budget_notified,
});

export const stageFromRow = (r: StageDbRow): StageRow => ({
  pipelineId: r.pipeline_id,
  name: r.name,
  position: r.position,
  status: r.status,
  attempts: r.attempts,
  sessionId: opt(r.session_id),
  output: opt(r.output),
  files: r.files ? (JSON.parse(r.files) as string[]) : [],
  error: opt(r.error),
  startedAt: opt(r.started_at),
  finishedAt: opt(r.finished_at),
});

export const attemptFromRow = (r: AttemptDbRow): AttemptRow => ({
  pipelineId: r.pipeline_id,
  stage: r.stage,
  attempt: r.attempt,
  sessionName: r.session_name,
  prompt: r.prompt,
  status: r.status,
  claimedBy: r.claimed_by,
  sessionId: opt(r.session_id),
  messageId: opt(r.message_id),
  error: opt(r.error),
  createdAt: r.created_at,
  sessionCreatedAt: opt(r.session_created_at),
  finishedAt: opt(r.finished_at),
});
