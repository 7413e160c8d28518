import type { AegisEvents } from '../events.js';

/** What a guard decided: stop the call (`veto`, the reason), or let it go on with other arguments (`input`). */
export interface GuardOutcome {
  veto?: string;
  input?: unknown;
  /** Who decided, for errors: "integration example". */
  by: string;
}

/**
 * A guard runs before every tool call (integrations' before_tool_call). The composition root keeps the
 * list (App.toolGuards) and the tools layer (src/tools/run.ts) awaits each in registration order, each
 * seeing the input the previous ones left; the first veto wins.
 */
export type ToolGuard = (call: AegisEvents['before_tool_call']) => Promise<GuardOutcome | undefined> | GuardOutcome | undefined;
