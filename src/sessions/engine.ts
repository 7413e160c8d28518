const IDLE_EXIT_CHECKS = 3;
const CHECK_MS = 10_000;

/** What the engine keeps going: the sessions (their queues) and the pipelines (their next stages); the App has both. */
export interface EngineDeps {
  sessions: { start(): Promise<void>; activeCount(): number };
  pipelines: { start(): Promise<void>; activeCount(): number };
}

/**
 * `ag engine`: a background process that watches sessions and delivers queued prompts for people who
 * use only the CLI. It exits once no session has been live for three checks in a row.
 */
export async function runEngine(app: EngineDeps): Promise<void> {
  await app.sessions.start();
  await app.pipelines.start();
  let emptyChecks = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      // A pipeline between stages has no live session but still needs this process to start the next.
      const live = app.sessions.activeCount() + app.pipelines.activeCount();
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
