import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTIFY_FILE, readCodexNotifications, writeCodexHome } from '../../src/agents/codex/launch.js';
import { PROFILES } from '../../src/agents/registry.js';
import { SessionObserver, type Observation } from '../../src/sessions/observer.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { TerminalScreen } from '../../src/terminal/screen.js';
import { ROOT } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';

const MAIN_THREAD = '019a0000-0000-7000-8000-00000000aaaa';
const TITLE_THREAD = '019a0000-0000-7000-8000-00000000bbbb';

/** Runs the notify program exactly as Codex would: the config's argv plus the event JSON as one last argument. */
function codexNotifies(codexHome: string, event: Record<string, unknown>): void {
  const config = readFileSync(join(codexHome, 'config.toml'), 'utf8');
  const argv = JSON.parse(/^notify = (\[.*\])$/mu.exec(config)![1]!) as string[];
  execFileSync(argv[0]!, [...argv.slice(1), JSON.stringify(event)]);
}

const turnEnd = (thread: string, message: string) => ({
  type: 'agent-turn-complete',
  'thread-id': thread,
  'turn-id': 't1',
  cwd: '/',
  client: 'codex-tui',
  'input-messages': ['hi'],
  'last-assistant-message': message,
});

/**
 * Codex's notify program is the session's turn-end signal: the real notify argv Aegis writes into
 * config.toml, the real bin/aegis-hook appending to the session's file, and a real observer (emulator,
 * file watch, fusion) reading it, with a screen that by itself cannot tell working from idle.
 */
describe("Codex's notify program as an event source", () => {
  let dir: string;
  let codexHome: string;
  let notifyFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aegis-codex-notify-'));
    ({ codexHome, notifyFile } = writeCodexHome({
      dataDir: dir,
      workDir: dir,
      workDirTrusted: false,
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKeyEnv: 'OPENAI_API_KEY',
      permissionMode: 'default',
    }));
    // The session log names the session's own thread in its first record.
    const logDir = join(codexHome, 'sessions', '2026', '12', '03');
    mkdirSync(logDir, { recursive: true });
    writeFileSync(
      join(logDir, `rollout-2026-12-03T20-00-00-${MAIN_THREAD}.jsonl`),
      `${JSON.stringify({ type: 'session_meta', payload: { id: MAIN_THREAD, cli_version: '0.171.0' } })}\n`,
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the configured notify program appends the event, stamped with the time, to the session file', () => {
    expect(notifyFile).toBe(join(dir, NOTIFY_FILE));
    const before = Date.now();
    codexNotifies(codexHome, turnEnd(MAIN_THREAD, 'first'));
    const lines = readFileSync(notifyFile, 'utf8').trim().split('\n');
    const record = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
    expect(record.aegis_t).toBeGreaterThanOrEqual(before);
    expect(readCodexNotifications(notifyFile).map((e) => e.lastMessage)).toEqual(['first']);
  });

  it("a turn end of the session's thread finishes the turn and makes an unreadable screen idle; the title thread's does not", async () => {
    const record: SessionRecord = {
      id: 's1',
      name: 'codex-s1',
      agent: 'codex',
      argv: ['env', `CODEX_HOME=${codexHome}`, '/bin/true'],
      workDir: dir,
      permissionMode: 'default',
      state: 'working',
      stateSince: Date.now(),
      lastActivity: Date.now(),
      tmuxPane: '%1',
      promptDelivered: true,
      createdAt: Date.now(),
    };
    const turns: { at: number; message?: string }[] = [];
    const observations: Observation[] = [];
    const errors: Error[] = [];
    const observer = new SessionObserver(record, PROFILES.codex, new TerminalScreen(80, 24), {
      capture: async () => ({ text: '', cursor: { x: 0, y: 0 } }),
      captureText: async () => '',
      paneStatus: async () => ({ dead: false, width: 80, height: 24 }),
      onObservation: (o) => observations.push(o),
      onTurnFinished: (t) => turns.push(t),
      onError: (e) => errors.push(e),
    });
    try {
      // The earlier turn end (written before the observer) is history: no event, and a blank screen
      // that changed after it keeps the state it had.
      await observer.seed();
      expect(observer.last?.reading.state).toBeNull();
      expect(observer.last?.state).toBe('working');
      expect(observer.hookFacts.lastStop?.message).toBe('first');

      codexNotifies(codexHome, turnEnd(TITLE_THREAD, '{"title":"Fake session title"}'));
      codexNotifies(codexHome, turnEnd(MAIN_THREAD, 'ECHO: done'));
      await waitFor(() => turns.length > 0, { timeoutMs: 10_000, what: 'the turn end from notify' });
      expect(turns.map((t) => t.message)).toEqual(['ECHO: done']);
      const idle = await waitFor(() => observations.find((o) => o.state === 'idle'), { timeoutMs: 10_000, what: 'idle from notify' });
      expect(idle.reading.state).toBeNull();
      expect(idle.lastAssistant).toBe('ECHO: done');
      expect(errors).toEqual([]);
    } finally {
      observer.dispose();
    }
  });

  it('the notify program is the package bin, not a shell', () => {
    const config = readFileSync(join(codexHome, 'config.toml'), 'utf8');
    expect(config).toContain(`notify = [${JSON.stringify(process.execPath)}, ${JSON.stringify(join(ROOT, 'bin', 'aegis-hook'))}`);
  });
});
