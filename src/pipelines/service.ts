import { pipelineUsage, type Usage } from '../usage/index.js';
import { randomUUID } from 'node:crypto';
import { AegisError, invalidInput, notFound } from '../errors.js';
import type { PipelineDeps } from './deps.js';
import { runnerAlive, PipelineRunner } from './runner.js';
import { PipelineStore } from './store.js';
import { FINAL_STAGE_STATUSES, type PipelineInput, type PipelineRow, type PipelineStatus, type PipelineView, type StageView } from './types.js';
import { validatePipeline } from './validate.js';

/** How often a waiter re-reads a pipeline it does not advance itself (another process may). */
const WAIT_POLL_MS = 200;
const WAIT_PROGRESS_MS = 5_000;

export interface WaitResult {
  view: PipelineView;
  finished: boolean;
  waitedMs: number;
}

/**
 * Pipelines: DAGs of agent sessions. This service validates and records them, answers questions
 * about them from SQLite, and cancels them; the runner (started in long-lived processes) advances
 * them. A process without a runner that creates a pipeline makes sure one runs (`ag engine`).
 */
export class PipelineService {
  readonly store: PipelineStore;
  readonly runner: PipelineRunner;

  constructor(private readonly deps: PipelineDeps) {
    this.store = new PipelineStore(deps.db);
    this.runner = new PipelineRunner(deps, this.store);
    deps.onClose(() => this.runner.stop());
  }

  /** For long-lived processes (ag mcp, ag engine): advance pipelines, resuming any left behind. */
  start(): Promise<void> {
    return this.runner.start();
  }

  /** Validates, records and starts a pipeline; returns at once. */
  create(input: PipelineInput): PipelineView {
    const spec = validatePipeline(input, {
      defaultMaxConcurrent: this.deps.defaultMaxConcurrent,
      memoryHas: (key, scopes) => scopes.some((scope) => this.deps.memory.get(key, scope) !== undefined),
    });
    const id = randomUUID();
    this.store.insert(id, spec, Date.now());
    if (this.runner.running) this.runner.kick(id);
    else if (!runnerAlive(this.deps.db)) this.deps.startEngine();
    return this.view(id);
  }

  resolve(ref: string): PipelineRow {
    const found = this.store.find(ref);
    if (found.length === 1) return found[0]!;
    if (found.length > 1)
      throw invalidInput('id', `"${ref}" matches ${found.length} pipelines`, 'use more characters of the id, or the full id from `ag pipeline list`');
    throw notFound(`no such pipeline: "${ref}"`, 'run `ag pipeline list` (MCP: pipeline_list) to see the pipelines', 'id');
  }

  /** What a pipeline's sessions have used so far, summed from their agents' own records. */
  usage(pipelineId: string): Usage {
    return pipelineUsage(this.deps.db, this.deps.sessions, pipelineId);
  }

  /** The pipeline and stage a live session runs for, if it runs for one (`name/stage`). */
  stageOfSession(sessionId: string): string | undefined {
    const attempt = this.store.attemptOfSession(sessionId);
    if (!attempt) return undefined;
    const pipeline = this.store.pipeline(attempt.pipelineId);
    return `${pipeline?.name ?? attempt.pipelineId.slice(0, 8)}/${attempt.stage}`;
  }

  /** A pipeline with every stage: status, attempts and their sessions, timings, output; the live session state of running stages. */
  view(ref: string): PipelineView {
    const p = this.resolve(ref);
    const rows = this.store.stages(p.id);
    const attempts = this.store.attempts(p.id);
    const stages: StageView[] = rows.map((row) => {
      const spec = p.spec.stages.find((s) => s.name === row.name)!;
      const history = attempts.filter((a) => a.stage === row.name);
      const latest = history[history.length - 1];
      const session = row.status === 'running' && row.sessionId ? this.deps.sessions.get(row.sessionId) : undefined;
      return {
        ...row,
        spec,
        maxAttempts: spec.retries + 1,
        sessionId: row.sessionId ?? latest?.sessionId,
        sessionName: latest?.sessionName,
        sessionState: session?.state,
        dialog: session?.dialog,
        history,
      };
    });
    return { ...p, stages, done: rows.filter((s) => s.status === 'done').length, total: rows.length };
  }

  list(filter: { statuses?: PipelineStatus[]; limit: number; offset: number }) {
    return this.store.list(filter);
  }

  /**
   * Cancels a running pipeline: stages not started are marked cancelled, running stages are stopped
   * (their sessions killed) and marked cancelled. Works from any process; the runner holding the
   * pipeline sees it is no longer running and lets go.
   */
  async cancel(ref: string): Promise<{ view: PipelineView; cancelledStages: string[]; killedSessions: string[] }> {
    const p = this.resolve(ref);
    const r = this.store.cancel(p.id, 'cancelled by request', Date.now());
    if (!r)
      throw new AegisError('conflict', `pipeline ${p.name} (${p.id.slice(0, 8)}) has already finished: ${p.status}`, {
        field: 'id',
        fix: 'nothing to cancel; pipeline_get shows how it ended',
      });
    const killed: string[] = [];
    for (const sessionId of r.sessionIds) {
      try {
        await this.deps.sessions.kill(sessionId);
        killed.push(sessionId);
      } catch (err) {
        this.deps.log.warn('could not stop a cancelled stage session', { session: sessionId, error: (err as Error).message });
      }
    }
    // Done stages keep their agents until their dependents start; none will now.
    const idle = this.store
      .stages(p.id)
      .flatMap((s) =>
        s.status === 'done' && s.sessionId && !['exited', 'dead'].includes(this.deps.sessions.get(s.sessionId)?.state ?? 'dead') ? [s.sessionId] : [],
      );
    await Promise.all(idle.map((id) => this.deps.sessions.kill(id).catch(() => undefined)));
    for (const stage of r.stages) this.deps.events.emit('pipeline_stage_done', { pipelineId: p.id, stage, status: 'cancelled' });
    return { view: this.view(p.id), cancelledStages: r.stages, killedSessions: killed };
  }

  /**
   * Blocks until the pipeline finishes, the timeout passes or the caller goes away, calling
   * `progress(done, total, message)` when a stage finishes and every few seconds meanwhile.
   */
  async wait(ref: string, timeoutMs: number, signal: AbortSignal, progress: (done: number, total: number, message: string) => void): Promise<WaitResult> {
    const started = Date.now();
    const id = this.resolve(ref).id;
    let view = this.view(id);
    if (view.status !== 'running') return { view, finished: true, waitedMs: 0 };
    let reported = new Map(view.stages.map((s) => [s.name, s.status]));
    let lastProgress = 0;
    const report = (message: string) => {
      lastProgress = Date.now();
      progress(view.done, view.total, message);
    };
    report(describeStages(view));
    await new Promise<void>((resolve) => {
      let poll: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(poll);
        clearTimeout(deadline);
        off();
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const check = () => {
        clearTimeout(poll);
        view = this.view(id);
        const changed = view.stages.filter((s) => reported.get(s.name) !== s.status && FINAL_STAGE_STATUSES.includes(s.status));
        reported = new Map(view.stages.map((s) => [s.name, s.status]));
        if (changed.length) report(changed.map((s) => `${s.name} ${s.status}`).join(', '));
        else if (Date.now() - lastProgress >= WAIT_PROGRESS_MS) report(describeStages(view));
        if (view.status !== 'running') return finish();
        poll = setTimeout(check, WAIT_POLL_MS);
      };
      // Stage ends seen by this process's runner wake the waiter at once; the poll covers other processes.
      const off = this.deps.events.on('pipeline_stage_done', (e) => {
        if (e.pipelineId === id) check();
      });
      const deadline = setTimeout(finish, timeoutMs);
      signal.addEventListener('abort', finish);
      check();
    });
    view = this.view(id);
    return { view, finished: view.status !== 'running', waitedMs: Date.now() - started };
  }

  /** Pipelines still running, for the background engine's "anything left to do?" check. */
  activeCount(): number {
    return this.store.runningCount();
  }
}

/** "2/4 done; running: test (permission_prompt), docs" */
export function describeStages(view: PipelineView): string {
  const running = view.stages
    .filter((s) => s.status === 'running')
    .map((s) => (s.sessionState && s.sessionState !== 'working' ? `${s.name} (${s.sessionState})` : s.name));
  return `${view.done}/${view.total} done${running.length ? `; running: ${running.join(', ')}` : ''}`;
}
