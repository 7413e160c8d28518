/**
 * A private HOME in which the real Claude Code starts straight to its idle screen, offline:
 * onboarding done, the API key pre-approved, each work directory trusted, and the environment that
 * keeps it from updating itself or calling anything but the fake API (FINDINGS.md §2).
 */
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ClaudeHomeOptions {
  /** Directories claude will be started in; each is marked trusted (by its physical path). */
  workDirs: string[];
  apiKey: string;
  /** The fake API's URL (ANTHROPIC_BASE_URL). */
  baseUrl: string;
  /** Written to `$HOME/.claude/settings.json` (hooks, permissions, skipWebFetchPreflight…). */
  settings?: Record<string, unknown>;
  /** The Claude Code release that will run here (default 2.1.197), so it shows no "what's new" box. */
  claudeVersion?: string;
}

export interface ClaudeHome {
  home: string;
  /** The complete environment for launching claude: PATH and LANG plus the offline settings (tmux sets TERM). */
  env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** The version whose screens the fixtures hold; matching it keeps the start screen free of "what's new". */
const DEFAULT_CLAUDE_VERSION = '2.1.197';

export async function prepareClaudeHome(opts: ClaudeHomeOptions): Promise<ClaudeHome> {
  const home = await realpath(await mkdtemp(join(tmpdir(), 'aegis-claude-home-')));
  const claudeDir = join(home, '.claude');
  const tmp = join(home, 'tmp');
  await mkdir(claudeDir, { recursive: true });
  await mkdir(tmp, { recursive: true });

  // hasCompletedProjectOnboarding (with lastReleaseNotesSeen) gives the compact 3-line logo of the
  // fixtures instead of the big welcome box with "Tips for getting started".
  const projects: Record<string, { hasTrustDialogAccepted: boolean; hasCompletedProjectOnboarding: boolean }> = {};
  for (const dir of opts.workDirs) projects[await realpath(dir)] = { hasTrustDialogAccepted: true, hasCompletedProjectOnboarding: true };

  const config = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: opts.claudeVersion ?? DEFAULT_CLAUDE_VERSION,
    lastReleaseNotesSeen: opts.claudeVersion ?? DEFAULT_CLAUDE_VERSION,
    numStartups: 1,
    theme: 'dark',
    // Claude Code remembers approved keys by their last 20 characters.
    customApiKeyResponses: { approved: [opts.apiKey.slice(-20)], rejected: [] },
    projects,
  };
  await writeFile(join(home, '.claude.json'), `${JSON.stringify(config, null, 2)}\n`);
  if (opts.settings) await writeFile(join(claudeDir, 'settings.json'), `${JSON.stringify(opts.settings, null, 2)}\n`);

  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'C.UTF-8',
    HOME: home,
    ANTHROPIC_BASE_URL: opts.baseUrl,
    ANTHROPIC_API_KEY: opts.apiKey,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_TMPDIR: tmp,
  };
  // A Claude Code killed with its tmux server may still be writing its session files: rm retries ENOTEMPTY.
  return { home, env, cleanup: () => rm(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 }) };
}
