import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events.js';
import type { ToolGuard } from '../../src/integrations/guard.js';
import { activateHooks, type HookDeps } from '../../src/integrations/hooks.js';
import type { IntegrationContext } from '../../src/integrations/types.js';
import { createLogger } from '../../src/util/log.js';

/**
 * Hooks run on what the integrations area is handed (HookDeps: the event bus, the tool-guard
 * registration, the app's close), with no App: before_tool_call becomes a guard in the list the
 * caller keeps, event hooks run off the emitter, and closing waits for a hook still running.
 */
describe('integration hooks on their deps', () => {
  const world = () => {
    const guards: ToolGuard[] = [];
    const closers: (() => void | Promise<void>)[] = [];
    const events = new EventBus();
    const deps: HookDeps = { events, addToolGuard: (g) => guards.push(g), onClose: (fn) => closers.push(fn) };
    const ctx: IntegrationContext = { integration: 'ci', settings: {}, log: createLogger('error', new PassThrough()) };
    return { guards, closers, events, deps, ctx };
  };

  it('registers before_tool_call as a guard that vetoes or replaces the input, naming the integration', async () => {
    const { guards, deps, ctx } = world();
    activateHooks(deps, { before_tool_call: (call) => (call.tool === 'session_kill' ? { veto: 'not on Fridays' } : { input: { id: 'other' } }) }, ctx);
    expect(guards).toHaveLength(1);
    expect(await guards[0]!({ tool: 'session_kill', input: {}, caller: 'cli' })).toEqual({ veto: 'not on Fridays', by: 'integration ci' });
    expect(await guards[0]!({ tool: 'session_get', input: { id: 'a' }, caller: 'mcp' })).toEqual({ input: { id: 'other' }, by: 'integration ci' });
  });

  it('runs an event hook after the emit, never inside it, and closing waits for it', async () => {
    const { guards, closers, events, deps, ctx } = world();
    const seen: string[] = [];
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    activateHooks(
      deps,
      {
        session_created: async (event, hookCtx) => {
          seen.push(`${hookCtx.integration}:${event.sessionId}`);
          await finished;
          seen.push('done');
        },
      },
      ctx,
    );
    expect(guards).toHaveLength(0);
    events.emit('session_created', { sessionId: 's1', name: 'n', agent: 'claude', workDir: '/tmp' });
    expect(seen).toEqual([]);
    expect(closers).toHaveLength(1);
    const closing = Promise.resolve(closers[0]!());
    finish();
    await closing;
    expect(seen).toEqual(['ci:s1', 'done']);
  });
});
