import { SETTINGS } from '../config/settings.js';

/**
 * What an agent may find in its environment. An agent runs shell commands a model chose, so whatever
 * it inherits the model can read: Aegis's own credentials (chat bot tokens, the Vonage private key,
 * signing secrets) must never get there. The list is an allowlist, not a denylist, so a secret Aegis
 * or its host gains later stays out without anyone remembering to add it here.
 *
 * Kept: what a program needs to run (PATH, HOME, user, shell, locale, terminal, time zone, temp dir,
 * tmux's socket folder), how it reaches the network (proxies, CA bundles), and the agents' own
 * credentials, base URLs and toggles. Anything else an agent needs goes in the session's explicit `env`.
 */
const NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TERM',
  'COLORTERM',
  'TZ',
  'TMPDIR',
  'TMUX_TMPDIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
]);
/** The agents' own credentials, base URLs and toggles. */
const AGENT_ENV_PREFIXES = ['ANTHROPIC_', 'CLAUDE_', 'OPENAI_', 'CODEX_', 'GEMINI_', 'GOOGLE_', 'DISABLE_'];
const PREFIXES = ['LC_', ...AGENT_ENV_PREFIXES];
/** Settings marked secret, refused by name even if a prefix above ever matched one. */
const SECRET_NAMES = new Set(SETTINGS.filter((s) => s.secret).map((s) => s.env));

/**
 * `env` without the settings marked secret (chat tokens, signing secrets...): for a program the user
 * configured that is not an agent (an operator command), which keeps the rest of the user's environment.
 */
export function withoutSecretSettings(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !SECRET_NAMES.has(e[0])));
}

export function agentMaySee(name: string): boolean {
  if (SECRET_NAMES.has(name)) return false;
  return NAMES.has(name) || PREFIXES.some((p) => name.startsWith(p));
}

/**
 * The part of `env` an agent may inherit. The tmux server is started with it (so its global
 * environment, which every pane inherits, holds nothing else); a session's explicit `env` is added
 * per window on top.
 */
export function agentBaseEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && agentMaySee(e[0])));
}
