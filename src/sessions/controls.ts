/** Controls: interrupting a turn, killing a session (and stopping idle ones), and waiting for a state. */
import { profileOf } from '../agents/registry.js';
import type { SessionState } from '../agents/types.js';
import { AegisError } from '../errors.js';
import { killPaneTree } from '../util/process-tree.js';
import type { WorktreeState } from '../worktrees/index.js';
import { READY, type SessionCore } from './core.js';
import { idleTooLong } from './guards.js';
import type { StateChange } from './monitor.js';
import { settleObserved, untilObserved } from './observation-waits.js';
import type { Observation } from './observer.js';
import type { SessionRecord } from './store.js';

/** Ctrl-C or Escape, then the state the agent settles in (a put-back prompt shows as inputText). */
export async function interrupt(core: SessionCore, ref: string, key: 'interrupt' | 'escape'): Promise<{ state: SessionState; inputText: string }> {
  const { session, observer } = await core.fresh(ref);
  if (!observer)
    throw new AegisError('conflict', `session ${session.name} has ${session.state}`, { field: 'id', fix: 'nothing to interrupt; start a new session' });
  const profile = profileOf(session.agent);
  const keys = key === 'interrupt' ? profile.keys.interrupt : profile.keys.escape;
  const stopped = (since: number) => (o: Observation) => o.at > since && o.state !== 'working' && o.state !== 'stalled';
  // An agent that reports prompts may ignore keys while it runs its prompt hooks (Claude Code's
  // UserPromptSubmit): let the event of the prompt we typed last arrive first, or the key is lost.
  if (profile.events?.reportsPrompts && observer.typedAt > (observer.hookFacts.lastPromptAt ?? 0)) {
    await untilObserved(core.monitor, observer, () => (observer.hookFacts.lastPromptAt ?? 0) >= observer.typedAt, 5_000);
  }
  const wasWorking = ['working', 'stalled'].includes(observer.last?.state ?? '');
  // Pressed again only while the agent still works, so a repeat can never become "press twice to exit".
  for (let press = 0; press < 3; press++) {
    const sent = Date.now();
    await core.tmux.sendKeys(session.tmuxPane!, keys);
    observer.schedule();
    if (await untilObserved(core.monitor, observer, stopped(sent), 1_500)) break;
    if (!['working', 'stalled'].includes(observer.last?.state ?? '')) break;
  }
  // Agents redraw in steps (Claude Code removes the turn, then puts the prompt back), slower under load:
  // a stopped turn ends with its prompt back in the box or an "Interrupted" line; then report the
  // screen once it has stopped changing, not the first frame after the key.
  if (wasWorking) await untilObserved(core.monitor, observer, (o) => o.reading.inputText !== '' || o.reading.interrupted === true, 1_500);
  const last = await settleObserved(core.monitor, observer, 250, 2_000);
  return { state: last.state, inputText: last.reading.inputText };
}

/**
 * Stops the agent and every process it started, removes the pane, keeps the record and transcript.
 * Its worktree is never removed here (ag worktree prune removes clean ones); what it holds is
 * reported, so the caller knows what is left there. `reason` records why
 * Aegis itself stopped it (idle timeout, budget).
 */
export async function kill(
  core: SessionCore,
  ref: string,
  reason?: string,
): Promise<{ session: SessionRecord; killedProcesses: number; worktree?: WorktreeState }> {
  const s = core.resolve(ref);
  if (reason) core.store.update(s.id, { stopReason: reason });
  // Recorded `exited` before anything is killed, so that no watcher (this process's or another's)
  // sees the pane die first and reports a dead pane: the store keeps an exited session exited.
  core.monitor.unwatch(s.id);
  const now = Date.now();
  const { changed, from } = core.store.setState(s.id, 'exited', now, reason ? 'guard' : 'kill', { dialog: null });
  // Sent as the monitor's change, so waiters in this process (session_wait, an idle stop) see it too.
  if (changed)
    core.monitor.emit('change', {
      sessionId: s.id,
      from,
      to: 'exited',
      at: now,
      observation: { state: 'exited', reading: { state: 'exited', inputText: '', queued: [], turnFinished: false }, at: now, contentChangedAt: now },
    });
  let killed = 0;
  if (s.tmuxWindow && !['dead'].includes(s.state)) {
    const pane = s.tmuxPane ? await core.tmux.pane(s.tmuxPane) : undefined;
    killed = await killPaneTree(pane?.pid ?? s.panePid, () => core.tmux.killWindow(s.tmuxWindow!));
  }
  killed += profileOf(s.agent).stopped?.(s.argv) ?? 0;
  core.store.failUndelivered(s.id, 'session killed');
  // The kill is done whatever git says: a worktree it cannot read (no longer recorded by its
  // repository) goes unreported here, and worktree_prune says why it keeps it.
  const worktree = s.worktree
    ? await core.worktrees.inspect(s.worktree).catch((err: Error) => {
        core.deps.log.warn('could not read the worktree of a killed session', { session: s.id, error: err.message });
        return undefined;
      })
    : undefined;
  return { session: core.store.get(s.id)!, killedProcesses: killed, worktree };
}

/** The idle timeout: agents idle too long are stopped with the reason recorded (their worktrees stay). */
export async function stopIdle(core: SessionCore, timeoutMs: number): Promise<void> {
  for (const s of idleTooLong(core.store, timeoutMs)) {
    try {
      await kill(
        core,
        s.id,
        `idle timeout: idle for ${Math.round((Date.now() - Math.max(s.stateSince, s.lastActivity)) / 1000)} s (sessions.idleTimeoutMinutes ${timeoutMs / 60_000})`,
      );
      core.deps.log.info('stopped an idle session', { session: s.id });
    } catch (err) {
      core.deps.log.warn('could not stop an idle session', { session: s.id, error: (err as Error).message });
    }
  }
}

/** Blocks until the session is in one of `states` (or the timeout), reporting progress meanwhile. */
export async function wait(
  core: SessionCore,
  ref: string,
  states: SessionState[],
  timeoutMs: number,
  signal: AbortSignal,
  progress: (elapsedMs: number, state: SessionState) => void,
): Promise<{ state: SessionState; matched: boolean; waitedMs: number }> {
  const started = Date.now();
  const { session, observer } = await core.fresh(ref);
  // Ready with a prompt still queued is not "done": the agent is about to get it (e.g. the brief).
  const reached = (state: SessionState) => states.includes(state) && !(READY.includes(state) && core.store.queued(session.id).length > 0);
  if (reached(session.state) || !observer) return { state: session.state, matched: states.includes(session.state), waitedMs: 0 };
  return new Promise((resolve) => {
    const finish = (state: SessionState, matched: boolean) => {
      clearTimeout(timer);
      clearInterval(ticker);
      core.monitor.off('change', onChange);
      signal.removeEventListener('abort', onAbort);
      resolve({ state, matched, waitedMs: Date.now() - started });
    };
    const onChange = (c: StateChange) => {
      if (c.sessionId === session.id && reached(c.to)) finish(c.to, true);
    };
    const current = () => core.store.get(session.id)!.state;
    const onAbort = () => finish(current(), false);
    const timer = setTimeout(() => finish(current(), false), timeoutMs);
    const ticker = setInterval(() => progress(Date.now() - started, current()), 5_000);
    core.monitor.on('change', onChange);
    signal.addEventListener('abort', onAbort);
  });
}
