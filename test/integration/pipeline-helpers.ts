import { execFileSync } from 'node:child_process';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { call } from '../helpers/sessions.js';

export interface AttemptOut {
  attempt: number;
  status: string;
  sessionId?: string;
  sessionName: string;
  startedAt: string;
  finishedAt?: string;
  error?: string;
}

export interface StageOut {
  name: string;
  status: string;
  agent: string;
  model?: string;
  attempts: number;
  maxAttempts: number;
  sessionId?: string;
  sessionName?: string;
  sessionState?: string;
  dialog?: { kind: string; tool?: string; command?: string; question: string };
  startedAt?: string;
  finishedAt?: string;
  output?: string;
  files: string[];
  error?: string;
  history: AttemptOut[];
}

export interface PipelineOut {
  id: string;
  name: string;
  status: string;
  done: number;
  total: number;
  progress: string;
  error?: string;
  stages: StageOut[];
  finished?: boolean;
}

export const stageOf = (p: PipelineOut, name: string): StageOut => {
  const s = p.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name} in ${p.stages.map((x) => x.name).join(', ')}`);
  return s;
};

/** Calls pipeline_wait until the pipeline finishes (each call bounded like an MCP host's), or fails at the deadline. */
export async function waitPipeline(
  client: Client,
  id: string,
  opts: { timeoutMs?: number; onProgress?: (p: { progress: number; total?: number; message?: string }) => void } = {},
): Promise<PipelineOut> {
  const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
  for (;;) {
    const left = Math.max(1, Math.min(50, Math.ceil((deadline - Date.now()) / 1000)));
    const r = opts.onProgress
      ? await client.callTool({ name: 'pipeline_wait', arguments: { id, timeoutSeconds: left } }, undefined, { timeout: 70_000, onprogress: opts.onProgress })
      : await client.callTool({ name: 'pipeline_wait', arguments: { id, timeoutSeconds: left } }, undefined, { timeout: 70_000 });
    if (r.isError) throw new Error(`pipeline_wait failed: ${(r.content as { text: string }[])[0]?.text}`);
    const p = r.structuredContent as unknown as PipelineOut;
    if (p.finished) return p;
    if (Date.now() >= deadline)
      throw new Error(`pipeline ${id} still ${p.status} at the deadline: ${JSON.stringify(p.stages.map((s) => [s.name, s.status, s.sessionState]))}`);
  }
}

export const getPipeline = (client: Client, id: string): Promise<PipelineOut> => call<PipelineOut>(client, 'pipeline_get', { id });

/**
 * SIGKILLs a process and every process it started (a crash of the whole tree, e.g. an `ag mcp` and
 * its `tmux -C` control client). Agents are children of the tmux server, not of Aegis, and live on.
 * The tree is listed before the kill, since orphans are re-parented at once.
 */
export function killProcessTree(root: number): void {
  const children = new Map<number, number[]>();
  for (const line of execFileSync('ps', ['-e', '-o', 'pid=,ppid='], { encoding: 'utf8' }).split('\n')) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const tree: number[] = [];
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    tree.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  for (const pid of tree) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}
