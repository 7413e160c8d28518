import { appendFile } from 'node:fs/promises';
import { defineHooks } from 'aegis-agents';

// Lifecycle hooks: session_created, session_state_changed, session_turn_finished, before_tool_call,
// after_tool_call, message_received, message_sent, pipeline_stage_done.
export default defineHooks({
  // Runs after every tool call without delaying it; an error here is logged, never propagated.
  async after_tool_call(event, ctx) {
    if (!ctx.settings.logFile) return;
    const line = { tool: event.tool, caller: event.caller, ok: event.ok, error: event.error, durationMs: Math.round(event.durationMs) };
    await appendFile(ctx.settings.logFile, `${JSON.stringify(line)}\n`);
  },

  // Runs before every tool call (input already validated); returning { veto } stops the call,
  // returning { input } runs it with those arguments instead.
  before_tool_call(call) {
    if (call.tool === '{{name}}_hello' && call.input.name === 'nobody') return { veto: 'nobody is not greeted' };
    return undefined;
  },
});
