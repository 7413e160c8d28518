/**
 * Settings of the session engine: tmux, the agents' executables and API base URLs, sessions,
 * worktrees and pipelines. Assembled with the other areas' in ../settings.ts.
 */
import * as z from 'zod';
import { PERMISSION_MODES } from '../../agents/names.js';
import { bool, folder, intFrom, setting } from './define.js';

export const SESSION_SETTINGS = [
  setting({
    key: 'tmux.socket',
    env: 'AEGIS_TMUX_SOCKET',
    schema: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only'),
    default: 'aegis',
    description: 'tmux -L socket name that holds every agent pane',
  }),
  setting({ key: 'tmux.command', env: 'AEGIS_TMUX', schema: z.string().min(1), default: 'tmux', description: 'tmux executable' }),
  setting({
    key: 'agents.claude.command',
    env: 'AEGIS_CLAUDE_COMMAND',
    schema: z.string().min(1),
    default: 'claude',
    description: 'Claude Code executable (name on PATH or absolute path)',
  }),
  setting({ key: 'agents.codex.command', env: 'AEGIS_CODEX_COMMAND', schema: z.string().min(1), default: 'codex', description: 'Codex CLI executable' }),
  setting({
    key: 'agents.codex.baseUrl',
    env: 'AEGIS_CODEX_BASE_URL',
    schema: z.string().url(),
    default: 'https://api.openai.com/v1',
    description: 'Responses API base URL Codex sessions use (a session env OPENAI_BASE_URL overrides it); the key comes from OPENAI_API_KEY',
  }),
  setting({ key: 'agents.gemini.command', env: 'AEGIS_GEMINI_COMMAND', schema: z.string().min(1), default: 'gemini', description: 'Gemini CLI executable' }),
  setting({
    key: 'agents.gemini.baseUrl',
    env: 'AEGIS_GEMINI_BASE_URL',
    schema: z.string().url(),
    default: 'https://generativelanguage.googleapis.com',
    description: 'Gemini API base URL Gemini CLI sessions use (a session env GOOGLE_GEMINI_BASE_URL overrides it); the key comes from GEMINI_API_KEY',
  }),
  setting({
    key: 'agents.trustWorkFolders',
    env: 'AEGIS_TRUST_WORK_FOLDERS',
    schema: bool,
    default: false,
    description:
      "Codex and Gemini CLI sessions start with their work folder trusted, never asking: the folder's own agent config (MCP server commands, hooks) then runs. Off: the agent's trust dialog is a setup dialog to approve, remembered per folder",
  }),
  setting({
    key: 'sessions.stallSeconds',
    env: 'AEGIS_STALL_SECONDS',
    schema: intFrom(5, 86_400),
    default: 300,
    description: 'working without screen or transcript change for this long = stalled',
  }),
  setting({ key: 'sessions.paneWidth', env: 'AEGIS_PANE_WIDTH', schema: intFrom(40, 500), default: 200, description: 'columns of a new agent pane' }),
  setting({ key: 'sessions.paneHeight', env: 'AEGIS_PANE_HEIGHT', schema: intFrom(10, 200), default: 50, description: 'rows of a new agent pane' }),
  setting({
    key: 'sessions.defaultPermissionMode',
    env: 'AEGIS_PERMISSION_MODE',
    schema: z.enum(PERMISSION_MODES),
    default: 'default',
    description: 'permission mode for new Claude Code sessions',
  }),
  setting({
    key: 'sessions.worktree',
    env: 'AEGIS_SESSION_WORKTREE',
    schema: bool,
    default: false,
    description: 'start every session in its own git worktree and branch (session_create worktree overrides it)',
  }),
  setting({
    key: 'worktrees.dir',
    env: 'AEGIS_WORKTREES_DIR',
    schema: folder,
    description: 'folder (absolute, or ~/…) that holds session worktrees as <repo>/<session name>; default $AEGIS_HOME/worktrees',
  }),
  setting({
    key: 'sessions.maxLive',
    env: 'AEGIS_MAX_LIVE_SESSIONS',
    schema: intFrom(0, 10_000),
    default: 0,
    description: 'most sessions alive at once; a create over it is refused (0 = no limit)',
  }),
  setting({
    key: 'sessions.idleTimeoutMinutes',
    env: 'AEGIS_IDLE_TIMEOUT_MINUTES',
    schema: z.coerce.number().min(0).max(525_600),
    default: 0,
    description: 'an agent idle this long is stopped by the watching Aegis process, its worktree kept (0 = never)',
  }),
  setting({
    key: 'pipelines.maxConcurrent',
    env: 'AEGIS_PIPELINE_CONCURRENCY',
    schema: intFrom(1, 64),
    default: 4,
    description: 'sessions a pipeline runs at once',
  }),
] as const;
