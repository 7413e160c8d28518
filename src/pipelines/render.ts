import { alignColumns } from '../util/columns.js';

/** Plain-text views of a pipeline for people: the stage table (CLI, live or once) and the summary line. */

export interface StageLine {
  name: string;
  status: string;
  attempts: number;
  maxAttempts: number;
  sessionName?: string;
  sessionState?: string;
  dialog?: { kind: string; question: string; tool?: string; command?: string; file?: string; url?: string };
  durationMs?: number;
  output?: string;
  error?: string;
}

export interface PipelineLine {
  id: string;
  name: string;
  status: string;
  done: number;
  total: number;
  durationMs?: number;
  error?: string;
  stages: StageLine[];
}

const MAX_DETAIL = 70;

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
const clip = (text: string, max = MAX_DETAIL) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** What a person wants to know about a stage in one line: its dialog, its state, its error or its output. */
export function stageDetail(s: StageLine): string {
  if (s.dialog)
    return clip(`waiting: ${s.dialog.tool ? `${s.dialog.tool} ` : ''}${oneLine(s.dialog.command ?? s.dialog.file ?? s.dialog.url ?? s.dialog.question)}`);
  if (s.status === 'running') return s.sessionState ?? 'starting';
  if (s.error && s.status !== 'done') return clip(oneLine(s.error));
  if (s.output) return clip(oneLine(s.output));
  return '';
}

export function stageTable(p: PipelineLine): string[] {
  const header = ['STAGE', 'STATUS', 'TRY', 'SESSION', 'TIME', 'DETAIL'];
  const rows = p.stages.map((s) => [
    s.name,
    s.status,
    s.attempts ? `${s.attempts}/${s.maxAttempts}` : '',
    s.sessionName ?? '',
    formatDuration(s.durationMs),
    stageDetail(s),
  ]);
  const aligned = alignColumns(header, rows);
  return [aligned.header, ...aligned.rows];
}

/** `pipeline build (1f3a2c9e) done in 12.3s: 4/4 stages done` plus the error when it did not succeed. */
export function summaryLine(p: PipelineLine): string {
  const took = p.durationMs !== undefined ? ` in ${formatDuration(p.durationMs)}` : '';
  const head = `pipeline ${p.name} (${p.id.slice(0, 8)}) ${p.status}${p.status === 'running' ? '' : took}: ${p.done}/${p.total} stages done`;
  return p.error && p.status !== 'done' ? `${head}\n  ${p.error}` : head;
}

export function renderPipeline(p: PipelineLine): string {
  return [summaryLine(p), '', ...stageTable(p)].join('\n');
}
