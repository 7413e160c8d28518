import type { PipelineService } from '../pipelines/service.js';
import type { SessionService } from './service.js';

/** What the engine drives: the sessions (watched, queues delivered) and the pipelines (advanced). */
export interface EngineDeps {
  sessions: Pick<SessionService, 'start' | 'store'>;
  pipelines: Pick<PipelineService, 'start' | 'activeCount'>;
}

const IDLE_EXIT_CHECKS = 3;
const CHECK_MS = 10_000;

/**
 * `ag engine`: a background process that watches sessions and delivers queued prompts for people who
 * use only the CLI. It exits once no session has been live for three checks in a row.
 */
export async function runEngine({ sessions, pipelines }: EngineDeps): Promise<void> {
  await sessions.start();
  await pipelines.start();
  let emptyChecks = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // A pipeline between stages has no live session but still needs this process to start the next.
      const live = sessions.store.live().length + sessions.store.sessionsWithQueue().length + pipelines.activeCount();
      emptyChecks = live === 0 ? emptyChecks + 1 : 0;
      if (emptyChecks >= IDLE_EXIT_CHECKS) {
        clearInterval(timer);
        resolve();
      }
    }, CHECK_MS);
    const stop = () => {
      clearInterval(timer);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
