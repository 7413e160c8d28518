/**
 * The names of agents and permission modes, defined once for every layer that validates them (tool
 * schemas, pipeline specs, settings). A leaf module: config and schemas import it without loading
 * any agent's code.
 */

export const AGENTS = ['claude', 'codex', 'gemini', 'shell', 'custom'] as const;
export type AgentName = (typeof AGENTS)[number];

/** Agents started by name alone: every one except `custom`, which needs an argv (pipeline stages, chat tasks). */
export type NamedAgent = Exclude<AgentName, 'custom'>;
export const NAMED_AGENTS = AGENTS.filter((a): a is NamedAgent => a !== 'custom') as [NamedAgent, ...NamedAgent[]];

/** Permission modes a session (or a pipeline stage) can be started in; each agent maps them to its own policy. */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions'] as const;
export type PermissionModeName = (typeof PERMISSION_MODES)[number];

/**
 * A model becomes one argv word after `--model`: no spaces, and no leading dash, which an agent's
 * option parser would read as an option of its own (`--model --yolo`).
 */
export const MODEL_NAME = /^[^\s-]\S*$/u;
export const MODEL_FIX = 'pass the model id the agent accepts, e.g. "sonnet" or "gpt-5-codex" (no spaces, not starting with -)';
