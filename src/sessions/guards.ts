import { AegisError } from '../errors.js';
import type { SessionRecord, SessionStore } from './store.js';

const minutes = (ms: number) => `${Math.max(0, Math.round(ms / 60_000))} min`;

/**
 * `sessions.maxLive`: a create that would run more agents at once than allowed is refused, naming the
 * limit and the sessions that could be stopped (idle ones first, longest idle first).
 */
export function checkMaxLive(store: SessionStore, maxLive: number, now = Date.now()): void {
  if (!maxLive) return;
  const live = store.live();
  if (live.length < maxLive) return;
  const idleFirst = [...live].sort((a, b) => Number(b.state === 'idle') - Number(a.state === 'idle') || a.stateSince - b.stateSince);
  const names = idleFirst.map((s) => `${s.name} (${s.state} ${minutes(now - s.stateSince)})`);
  throw new AegisError('conflict', `sessions.maxLive is ${maxLive} and ${live.length} sessions are live: ${names.join(', ')}`, {
    field: 'sessions.maxLive',
    fix: `stop one with session_kill (e.g. ${idleFirst[0]!.name}), or raise sessions.maxLive in config.json (AEGIS_MAX_LIVE_SESSIONS)`,
  });
}

/** Live sessions idle (ready, nothing queued) for at least `timeoutMs`: what the idle timeout stops. */
export function idleTooLong(store: SessionStore, timeoutMs: number, now = Date.now()): SessionRecord[] {
  return store.live().filter((s) => s.state === 'idle' && now - Math.max(s.stateSince, s.lastActivity) >= timeoutMs && store.queued(s.id).length === 0);
}

/** How often the idle sweep looks: often enough to stop within a quarter of the timeout, at most once a minute. */
export function idleSweepEveryMs(timeoutMs: number): number {
  return Math.max(1_000, Math.min(60_000, Math.floor(timeoutMs / 4)));
}
