import type { z } from 'zod';
import type { App } from '../app.js';
import { AegisError } from '../errors.js';
import type { ChatTools } from '../messaging/index.js';
import type { DialogCheck } from '../sessions/index.js';
import type { AnyObject, ToolDef } from './define.js';
import { kgSearch } from './knowledge.js';
import { messageList, messageResend } from './messaging.js';
import { callTool } from './run.js';
import { sessionAnswer, sessionApprove, sessionCreate, sessionGet, sessionKill, sessionList, sessionReject, sessionSend } from './sessions.js';

/**
 * The tools chat commands run, through the one call path (callTool, caller 'chat'). Each entry must
 * fit what the router declares it reads (ChatTools): a tool whose schema drifts fails to compile here.
 */
export function chatTools(app: App): ChatTools {
  const run =
    <I extends AnyObject, O extends AnyObject>(tool: ToolDef<I, O>) =>
    async (input: z.input<I>, expectDialog?: DialogCheck): Promise<z.output<O>> => {
      // Integrations' before_tool_call guards hold for chat calls too: they register as integrations load.
      await app.integrations.load();
      return callTool(app, tool, input, { caller: 'chat', expectDialog });
    };
  return {
    session_create: run(sessionCreate),
    session_list: run(sessionList),
    session_get: run(sessionGet),
    session_send: run(sessionSend),
    session_kill: run(sessionKill),
    session_approve: run(sessionApprove),
    session_reject: run(sessionReject),
    session_answer: run(sessionAnswer),
    message_list: run(messageList),
    message_resend: run(messageResend),
    kg_search: run(kgSearch),
    async byName(name, input, fix) {
      // Loaded on first use: the registry loads every tool module, which a process that never runs an integration's chat command does without.
      const { loadTools, toolByName } = await import('./registry.js');
      const tool = toolByName(await loadTools(app), name);
      if (!tool) throw new AegisError('not_found', `no tool named ${name}`, { field: 'name', fix });
      return callTool(app, tool, input, { caller: 'chat' });
    },
  };
}
