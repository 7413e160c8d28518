/** Waiting on what a session's observer reports: a condition met, or the screen gone quiet. */
import type { SessionMonitor } from './monitor.js';
import type { Observation, SessionObserver } from './observer.js';

/** Waits for the observer to report something that satisfies `pred`, or the deadline. */
export function untilObserved(
  monitor: SessionMonitor,
  obs: SessionObserver,
  pred: (o: Observation) => boolean,
  timeoutMs: number,
): Promise<Observation | undefined> {
  if (obs.last && pred(obs.last)) return Promise.resolve(obs.last);
  return new Promise((resolve) => {
    const onObs = (id: string, o: Observation) => {
      if (id === obs.session.id && pred(o)) done(o);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    const done = (o: Observation | undefined) => {
      clearTimeout(timer);
      monitor.off('observation', onObs);
      resolve(o);
    };
    monitor.on('observation', onObs);
  });
}

/** Resolves with the latest observation once none has come for `quietMs` (or at the deadline). */
export function settleObserved(monitor: SessionMonitor, obs: SessionObserver, quietMs: number, timeoutMs: number): Promise<Observation> {
  return new Promise((resolve) => {
    let quiet: NodeJS.Timeout;
    const finish = () => {
      clearTimeout(quiet);
      clearTimeout(deadline);
      monitor.off('observation', onObs);
      resolve(obs.last!);
    };
    const onObs = (id: string) => {
      if (id !== obs.session.id) return;
      clearTimeout(quiet);
      quiet = setTimeout(finish, quietMs);
    };
    quiet = setTimeout(finish, quietMs);
    const deadline = setTimeout(finish, timeoutMs);
    monitor.on('observation', onObs);
  });
}
