import type { AegisEvents } from '../events.js';
import { settleWithin } from '../util/settle.js';
import type { IntegrationDeps } from './deps.js';
import { HOOK_NAMES, type IntegrationContext, type IntegrationHooks } from './types.js';

/** How long before_tool_call may take: past this the call goes ahead (a hung hook must not hang every tool). */
const GUARD_TIMEOUT_MS = 5_000;
/** How long closing the app waits for hooks still running, so a one-shot `ag` command does not cut them off. */
const DRAIN_MS = 3_000;

/** What activating hooks uses: the events they subscribe to, the tool guards, and the app's close. */
export type HookDeps = Pick<IntegrationDeps, 'events' | 'addToolGuard' | 'onClose'>;

/** Hooks still running, per app (its deps); an app gets an entry (and a drain on close) with its first hook run. */
const running = new WeakMap<HookDeps, Set<Promise<unknown>>>();

/**
 * Tracks a running hook. The first one registers the drain with onClose: registered after the
 * services that emit events, it runs before they close (closers run last registered first).
 */
function track(deps: HookDeps, run: Promise<unknown>): void {
  let set = running.get(deps);
  if (!set) {
    const pending = new Set<Promise<unknown>>();
    running.set(deps, (set = pending));
    deps.onClose(() => settleWithin(pending, DRAIN_MS));
  }
  set.add(run);
  void run.finally(() => set.delete(run));
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Subscribes an integration's hooks. Event hooks are fire-and-forget: each runs on a later tick, so
 * the emitter never waits, and an error (thrown or rejected) is logged, never propagated.
 * Hooks still running when the app closes get up to DRAIN_MS to finish.
 * before_tool_call becomes a tool guard: awaited before the call; `{ veto: 'reason' }` stops it and
 * `{ input: {...} }` replaces its arguments (checked against the tool's schema).
 * A guard that throws or takes longer than GUARD_TIMEOUT_MS is logged and does not veto. Hooks
 * stay subscribed for the life of the app.
 */
export function activateHooks(deps: HookDeps, hooks: IntegrationHooks, ctx: IntegrationContext): void {
  for (const name of HOOK_NAMES) {
    if (name === 'before_tool_call') continue;
    const hook = hooks[name] as ((event: unknown, ctx: IntegrationContext) => unknown) | undefined;
    if (!hook) continue;
    deps.events.on(name, (event: AegisEvents[typeof name]) => {
      const run = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => hook(event, ctx))
        .catch((err: unknown) => ctx.log.warn('integration hook failed', { hook: name, error: reason(err) }));
      track(deps, run);
    });
  }

  const guard = hooks.before_tool_call;
  if (guard) {
    deps.addToolGuard(async (call) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), GUARD_TIMEOUT_MS)));
        const outcome = await Promise.race([Promise.resolve(guard(call, ctx)), timeout]);
        if (outcome === 'timeout') {
          ctx.log.warn('before_tool_call did not answer in time; the call goes ahead', { tool: call.tool, timeoutMs: GUARD_TIMEOUT_MS });
          return undefined;
        }
        const { veto, input } = (outcome ?? {}) as { veto?: unknown; input?: unknown };
        const by = `integration ${ctx.integration}`;
        if (typeof veto === 'string' && veto) return { veto, by };
        if (input !== undefined) return { input, by };
        return undefined;
      } catch (err) {
        ctx.log.warn('before_tool_call failed; the call goes ahead', { tool: call.tool, error: reason(err) });
        return undefined;
      } finally {
        clearTimeout(timer);
      }
    });
  }
}
