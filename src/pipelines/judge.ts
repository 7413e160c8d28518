import type { TranscriptReader } from '../agents/claude/transcript.js';
import type { SessionState } from '../agents/types.js';
import { profileOf } from '../agents/registry.js';
import type { SessionRecord } from '../sessions/index.js';
import type { PipelineSessions, StageScreens } from './deps.js';
import type { AttemptRow } from './types.js';

/** What a stage's session says about the attempt running in it. */
export type Verdict =
  { kind: 'running'; state: SessionState; recheck: boolean } | { kind: 'done'; output: string; files: string[] } | { kind: 'failed'; error: string };

/** A finished turn reported by the session engine (Stop hook, or working → idle without hooks). */
export interface TurnSignal {
  at: number;
  message?: string;
}

const SCREEN_TAIL_LINES = 40;
/** States in which a turn that is not finished yet is about to be decided one way or the other. */
const DECIDING: SessionState[] = ['idle', 'asking', 'error'];

/** The last lines on screen: the only "output" an agent without a transcript has. */
function screenTail(screens: StageScreens, s: SessionRecord): string | undefined {
  const lines = screens.screenLines(s.id);
  if (!lines) return undefined;
  const trimmed = lines.map((l) => l.trimEnd());
  while (trimmed.length && !trimmed[trimmed.length - 1]) trimmed.pop();
  return trimmed.slice(-SCREEN_TAIL_LINES).join('\n').trim() || undefined;
}

const EXIT_STATUS_TRIES = 10;
const EXIT_STATUS_POLL_MS = 100;

/**
 * The exit status of an agent seen as exited before its status was known (the screen, the hooks or
 * the closed terminal said so first): asked from tmux for up to a second, so a failure says how the
 * agent ended.
 */
async function paneExitStatus(screens: StageScreens, s: SessionRecord): Promise<number | undefined> {
  if (!s.tmuxPane) return undefined;
  for (let i = 0; i < EXIT_STATUS_TRIES; i++) {
    const pane = await screens.paneExit(s.tmuxPane);
    if (!pane) return undefined;
    // tmux shows a pane dead when its terminal closes, and its status once it has reaped the process.
    if (pane.dead && pane.deadStatus !== undefined) return pane.deadStatus;
    await new Promise((r) => setTimeout(r, EXIT_STATUS_POLL_MS));
  }
  return undefined;
}

const TRANSCRIPT_WAIT_MS = 2_000;
const TRANSCRIPT_POLL_MS = 50;

async function transcriptCaughtUp(reader: TranscriptReader): Promise<void> {
  const deadline = Date.now() + TRANSCRIPT_WAIT_MS;
  while (!reader.turnComplete() && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, TRANSCRIPT_POLL_MS));
    reader.refresh();
  }
}

/**
 * Decides whether an attempt's agent finished its turn, failed, or is still at it. Finished means the
 * turn that answered the stage's prompt completed: a Stop hook (or, after a restart, the hooks file
 * and transcript read now), or for agents without hooks a working → idle after the prompt went in;
 * never just a screen that looks idle for a moment. Failed means the agent reported an error, exited,
 * or its pane is gone before that.
 */
export async function judgeAttempt(sessions: PipelineSessions, screens: StageScreens, attempt: AttemptRow, turn?: TurnSignal): Promise<Verdict> {
  const s = attempt.sessionId ? sessions.get(attempt.sessionId) : undefined;
  if (!s) return { kind: 'failed', error: 'its session no longer exists' };
  const profile = profileOf(s.agent);
  const msg = attempt.messageId !== undefined ? sessions.message(attempt.messageId) : undefined;
  const live = !['exited', 'dead'].includes(s.state);
  // A session that ended fails its undelivered prompt too: the end (below) is the cause to report.
  if (msg?.status === 'failed' && live) return { kind: 'failed', error: `the prompt could not be delivered: ${msg.error ?? 'unknown error'}` };
  const deliveredAt = msg?.status === 'delivered' ? msg.deliveredAt : undefined;

  let finished = false;
  let message = turn?.message;
  if (profile.events?.reportsPrompts) {
    // A stage session gets exactly one prompt, so any completed turn is the answer to it.
    if (turn) finished = true;
    else if (live) {
      const status = await sessions.turnStatus(s.id);
      finished = status.lastPromptAt !== undefined && status.lastStopAt !== undefined && status.lastStopAt >= status.lastPromptAt;
      if (finished) message = status.lastMessage;
    }
  } else if (deliveredAt !== undefined) {
    // Without hooks a turn ends by going quiet; one that ended before the prompt went in was start-up.
    finished = turn ? turn.at >= deliveredAt : s.state === 'idle' && s.stateSince >= deliveredAt;
  }

  const path = sessions.transcriptPath(s);
  const reader = path ? sessions.transcript(s.id, path) : undefined;
  reader?.refresh();
  if (!finished && reader?.turnComplete()) finished = true;

  if (finished) {
    // Claude Code may write the end of a turn to its transcript a moment after the Stop hook ran:
    // the files a stage touched are read from the finished turn, not from half of it.
    if (reader) await transcriptCaughtUp(reader);
    const current = sessions.get(s.id) ?? s;
    const output = message ?? reader?.lastAssistantText() ?? current.lastAssistant ?? screenTail(screens, current) ?? '';
    return { kind: 'done', output, files: reader?.filesTouched() ?? [] };
  }
  const current = sessions.get(s.id) ?? s;
  if (current.state === 'exited') {
    const status = current.exitStatus ?? (await paneExitStatus(screens, current));
    return { kind: 'failed', error: `the agent exited${status !== undefined ? ` with status ${status}` : ''} before finishing its turn` };
  }
  if (current.state === 'dead') return { kind: 'failed', error: 'its pane is gone (killed outside Aegis?) before the turn finished' };
  if (current.state === 'error' && deliveredAt !== undefined)
    return { kind: 'failed', error: `the agent reported an error: ${current.error ?? 'unknown error'}` };
  // The prompt's delivery may still be confirming while the screen already shows the outcome: look again soon.
  return { kind: 'running', state: current.state, recheck: DECIDING.includes(current.state) && deliveredAt === undefined };
}
