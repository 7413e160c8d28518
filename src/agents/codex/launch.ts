import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../util/package-root.js';
import { ensurePrivateFile, mkdirPrivate, PRIVATE_FILE } from '../../util/private-files.js';
import type { HookFacts } from '../profile.js';

/**
 * A private CODEX_HOME per session (fixtures/codex-0.171.0/FINDINGS.md "Running it offline"): its
 * own config.toml (model provider, approval policy, sandbox, the notify program, the work folder
 * trusted only when the user trusted it), its own session log and its own background server. The
 * user's ~/.codex is never read or changed.
 */
export interface CodexHomeOptions {
  dataDir: string;
  workDir: string;
  /**
   * Written as a trusted project: Codex then loads the folder's own `.codex/config.toml`, whose MCP
   * servers and other settings can run code at start. Untrusted, Codex asks first (screens/13-trust-folder).
   */
  workDirTrusted: boolean;
  /** Responses API base URL, e.g. https://api.openai.com/v1 or a local fake. */
  baseUrl: string;
  /** Environment variable that holds the API key (its value never enters the file). */
  apiKeyEnv: string;
  model?: string;
  /** Claude-style permission mode, mapped to Codex's approval policy and sandbox. */
  permissionMode: string;
  /** Folder shared by all sessions for Codex's unpacked background-server release (~400 MB). */
  sharedPackages?: string;
}

/** Codex's policy and sandbox for each permission mode Aegis knows; read-only unless asked otherwise. */
const POLICY: Record<string, { approval: string; sandbox: string }> = {
  default: { approval: 'on-request', sandbox: 'read-only' },
  plan: { approval: 'on-request', sandbox: 'read-only' },
  acceptEdits: { approval: 'on-request', sandbox: 'workspace-write' },
  bypassPermissions: { approval: 'never', sandbox: 'danger-full-access' },
};

/** A TOML basic string: JSON's escapes are valid TOML. */
const toml = (s: string): string => JSON.stringify(s);

export const NOTIFY_FILE = 'codex-notify.jsonl';

/** Writes the session's CODEX_HOME and returns it with the notify file it appends turn ends to. */
export function writeCodexHome(o: CodexHomeOptions): { codexHome: string; notifyFile: string } {
  const codexHome = join(o.dataDir, 'codex-home');
  mkdirPrivate(codexHome);
  const notifyFile = join(o.dataDir, NOTIFY_FILE);
  ensurePrivateFile(notifyFile);
  const policy = POLICY[o.permissionMode] ?? POLICY.default!;
  // Codex runs notify with the event JSON as the last argument (no shell); aegis-hook appends it to the
  // file, stamped with the time, as it does Claude Code's hook payloads.
  const notify = [process.execPath, join(PACKAGE_ROOT, 'bin', 'aegis-hook'), notifyFile];
  const lines = [
    '# Written by Aegis for one session; rewritten at every start.',
    ...(o.model ? [`model = ${toml(o.model)}`] : []),
    'model_provider = "aegis"',
    `approval_policy = ${toml(policy.approval)}`,
    `sandbox_mode = ${toml(policy.sandbox)}`,
    `notify = [${notify.map(toml).join(', ')}]`,
    '',
    '[model_providers.aegis]',
    'name = "aegis"',
    `base_url = ${toml(o.baseUrl)}`,
    'wire_api = "responses"',
    `env_key = ${toml(o.apiKeyEnv)}`,
    '',
    ...(o.workDirTrusted ? [`[projects.${toml(o.workDir)}]`, 'trust_level = "trusted"', ''] : []),
  ];
  writeFileSync(join(codexHome, 'config.toml'), lines.join('\n'), { mode: PRIVATE_FILE });
  if (o.sharedPackages) {
    mkdirSync(o.sharedPackages, { recursive: true });
    try {
      symlinkSync(o.sharedPackages, join(codexHome, 'packages'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return { codexHome, notifyFile };
}

/** One turn end as Codex's notify program reported it. */
export interface CodexTurnEnd {
  threadId: string;
  turnId: string;
  lastMessage?: string;
  inputMessages: string[];
}

/**
 * Folds one notify record into the session's event facts: a turn end of the session's own thread
 * (`mainThread`, from its session log) is its last stop. Codex also reports the hidden thread that
 * names the session, and reports nothing before the log exists: those are not the session's turns.
 */
export function foldCodexNotification(facts: HookFacts, e: Record<string, unknown>, mainThread: string | undefined): HookFacts {
  if (e.type !== 'agent-turn-complete' || !mainThread || e['thread-id'] !== mainThread) return facts;
  const at = typeof e.aegis_t === 'number' ? e.aegis_t : Date.now();
  const message = typeof e['last-assistant-message'] === 'string' ? e['last-assistant-message'] : undefined;
  return { ...facts, lastEventAt: at, lastStop: { at, message }, permission: undefined };
}

/** The turn ends in the notify file, in order; lines that are not such events are skipped. */
export function readCodexNotifications(file: string): CodexTurnEnd[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: CodexTurnEnd[] = [];
  for (const line of raw.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as Record<string, unknown>;
      if (e.type !== 'agent-turn-complete') continue;
      out.push({
        threadId: String(e['thread-id'] ?? ''),
        turnId: String(e['turn-id'] ?? ''),
        lastMessage: typeof e['last-assistant-message'] === 'string' ? e['last-assistant-message'] : undefined,
        inputMessages: Array.isArray(e['input-messages']) ? e['input-messages'].map(String) : [],
      });
    } catch {
      /* a torn line: the next read sees it whole */
    }
  }
  return out;
}
