import { z } from 'zod';

/** Shapes several areas' tools return, declared once so their outputs describe a thing the same way. */

export { PERMISSION_MODES } from '../sessions/profiles.js';

/** A dialog the agent waits on (see Dialog in src/agents/types.ts). */
export const dialogSchema = z.object({
  kind: z.enum(['permission', 'question', 'plan', 'setup']),
  title: z.string().optional(),
  question: z.string(),
  options: z.array(z.object({ number: z.number(), label: z.string(), selected: z.boolean() })),
  tool: z.string().optional(),
  command: z.string().optional(),
  file: z.string().optional(),
  url: z.string().optional(),
  detailsKnown: z
    .boolean()
    .optional()
    .describe('false: the screen does not show tool/command/file/url unambiguously for this Claude Code release; they arrive with the permission hook. Absent = known.'),
  toolLabel: z.string().optional().describe('How the screen names the tool when that is not its name (Claude Code 2.1.33x MCP dialogs)'),
});
