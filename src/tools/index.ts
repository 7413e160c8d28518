import type { ToolDef } from './define.js';
import { knowledgeTools } from './knowledge.js';
import { memoryTools } from './memory.js';
import { messagingTools } from './messaging.js';
import { pipelineTools } from './pipelines.js';
import { sessionTools } from './sessions.js';
import { systemTools } from './system.js';
import { worktreeTools } from './worktrees.js';

/**
 * THE registry: every built-in tool, in the order `ag --help` and MCP list them. The MCP server and
 * the CLI are both built from this list; integrations append theirs at start-up.
 */
export const BUILTIN_TOOLS: ToolDef[] = [
  ...systemTools,
  ...sessionTools,
  ...worktreeTools,
  ...pipelineTools,
  ...memoryTools,
  ...knowledgeTools,
  ...messagingTools,
];
