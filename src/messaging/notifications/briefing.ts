import type { Rich } from '../../channels/format.js';
import { run } from '../../util/exec.js';
import { gitEnv, inCheckout, worktreeHolding, type WorktreeInfo } from '../../worktrees/index.js';
import type { CodeStore } from '../approvals/codes.js';
import type { MessagingDeps } from '../deps.js';
import type { Journal } from './journal.js';
import { localDay } from './journal.js';
import { machineLines, pipelineCounts, stateCounts, type StatusDeps } from './status.js';
import { waitingLines, waitingSessions } from '../approvals/waiting.js';

const GIT_TIMEOUT_MS = 5_000;
const COMMITS_PER_REPO = 5;

function startOfToday(now: number): number {
  const d = new Date(now);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/**
 * Commits since `since` in the repositories the sessions worked in (one line per repo, a few subjects).
 * A folder of a session's worktree (`worktrees`, as sessions record them) is read through the git
 * directory its repository records: the worktree's `.git` file is its agent's to point at a repository
 * whose config runs programs (a partial clone's lazy fetch runs the remote's uploadpack on git log).
 */
export async function commitsSince(workDirs: string[], since: number, worktrees: WorktreeInfo[]): Promise<{ repo: string; commits: string[] }[]> {
  const repos = new Map<string, Record<string, string>>();
  for (const dir of workDirs) {
    const w = worktreeHolding(dir, worktrees);
    if (w) {
      try {
        repos.set(w.path, inCheckout(w));
      } catch {
        // No longer a worktree of its repository: nothing of it to read.
      }
      continue;
    }
    const top = await run('git', ['-C', dir, 'rev-parse', '--show-toplevel'], { env: gitEnv(), timeoutMs: GIT_TIMEOUT_MS });
    if (top.exitCode === 0 && top.stdout.trim()) repos.set(top.stdout.trim(), {});
  }
  const out: { repo: string; commits: string[] }[] = [];
  for (const [repo, env] of repos) {
    const log = await run('git', ['-C', repo, 'log', `--since=@${Math.floor(since / 1000)}`, '--no-merges', '--format=%h %s'], {
      env: gitEnv(env),
      timeoutMs: GIT_TIMEOUT_MS,
    });
    const commits = log.exitCode === 0 ? log.stdout.split('\n').filter(Boolean) : [];
    if (commits.length) out.push({ repo, commits });
  }
  return out;
}

/**
 * `morning` / `evening`: health, who waits for you, what ran and finished, today's commits in the
 * sessions' folders, and the day's notes. The morning looks back 24 hours, the evening at today.
 */
export async function briefing(
  deps: StatusDeps & Pick<MessagingDeps, 'db'>,
  codes: CodeStore,
  journal: Journal,
  which: 'morning' | 'evening',
  now = Date.now(),
): Promise<Rich> {
  const since = which === 'morning' ? now - 86_400_000 : startOfToday(now);
  const db = deps.db;
  const started = (db.prepare('SELECT count(*) AS n FROM sessions WHERE created_at >= ?').get(since) as { n: number }).n;
  const turns = (
    db.prepare("SELECT count(*) AS n FROM session_events WHERE at >= ? AND from_state = 'working' AND to_state = 'idle'").get(since) as { n: number }
  ).n;
  const ended = db.prepare("SELECT state, count(*) AS n FROM sessions WHERE ended_at >= ? AND state IN ('exited', 'dead') GROUP BY state").all(since) as {
    state: string;
    n: number;
  }[];
  const died = ended.find((r) => r.state === 'dead')?.n ?? 0;
  const exited = ended.find((r) => r.state === 'exited')?.n ?? 0;
  const dirs = (
    db.prepare('SELECT DISTINCT work_dir FROM sessions WHERE last_activity >= ? OR created_at >= ?').all(since, since) as { work_dir: string }[]
  ).map((r) => r.work_dir);
  const worktrees = (db.prepare('SELECT worktree FROM sessions WHERE worktree IS NOT NULL').all() as { worktree: string }[]).map(
    (r) => JSON.parse(r.worktree) as WorktreeInfo,
  );
  const commits = await commitsSince(dirs, startOfToday(now), worktrees);
  const waiting = waitingSessions(deps.sessions, codes);
  const notes = journal.day(localDay(now)).filter((e) => e.kind === 'note');
  const counts = stateCounts(deps);
  const machine = await machineLines(deps);
  const pipelines = pipelineCounts(deps);

  const title = which === 'morning' ? 'Good morning' : 'Evening wrap-up';
  const date = new Date(now).toLocaleDateString('en-GB', { weekday: 'short', day: 'numeric', month: 'short' });
  const rich: Rich = [{ b: title }, ` — ${date}`];
  rich.push(`\n\nSessions: ${counts.text}`);
  rich.push(`\n${which === 'morning' ? 'Last 24 h' : 'Today'}: ${started} started, ${turns} turns finished, ${exited} stopped, ${died} died`);
  rich.push(waiting.length ? `\n\nWaiting for you (${waiting.length}):` : '\n\nNothing waits for you.');
  if (waiting.length) rich.push(...waitingLines(waiting));
  if (commits.length) {
    rich.push('\n\nCommits today:');
    for (const c of commits) {
      rich.push('\n• ', { b: c.repo.split('/').pop() ?? c.repo }, ` (${c.commits.length})`);
      for (const line of c.commits.slice(0, COMMITS_PER_REPO)) rich.push('\n  ', { code: line.slice(0, 7) }, ` ${line.slice(8, 90)}`);
    }
  }
  if (notes.length) rich.push(`\n\nNotes today: ${notes.length} (send journal to read them)`);
  rich.push('\n\n', [`Pipelines: ${pipelines}`, ...machine].join('\n'));
  return rich;
}
