import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareClaudeHome, type ClaudeHome } from '../fakes/claude-home.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { runCli } from '../helpers/cli.js';
import { BIN, makeTestEnv, removeSocketFile, type TestEnv } from '../helpers/env.js';
import { CLAUDE_RELEASES, hasClaude } from '../helpers/real-claude.js';
import { waitFor } from '../helpers/wait.js';

const PROMPT = 'watch-test$ ';
/** A label with nothing after it is an empty field, which the view never shows. */
const EMPTY_FIELD = /(?:^|\s)(?:[\w.]+:|queued|stage)\s*$/;

/**
 * `ag watch` as a person sees it: running in a real 80x24 tmux pane (its own private tmux server,
 * standing in for the user's terminal), driven by keys typed into that pane, watching the real
 * Claude Code 2.1.197 (offline, against the fake Messages API) raise a Bash permission dialog.
 */
describe.skipIf(!hasClaude)('ag watch in a real terminal, with the real Claude Code 2.1.197', () => {
  let fake: FakeAnthropic;
  let home: ClaudeHome;
  let t: TestEnv;
  let workDir: string;
  let pane: string;
  const outer = `aegis-watch-term-${process.pid}`;
  const term = (...args: string[]) => execFileSync('tmux', ['-L', outer, ...args], { encoding: 'utf8' });
  const screen = () => term('capture-pane', '-p', '-t', pane);
  const screenLines = () => screen().split('\n');
  /** Alternate screen and cursor visibility of the terminal pane, through a fixed format string. */
  const modes = () => term('display-message', '-p', '-t', pane, '-F', '#{alternate_on} #{cursor_flag}').trim();
  const typeLine = (text: string) => {
    term('send-keys', '-t', pane, '-l', text);
    term('send-keys', '-t', pane, 'Enter');
  };
  /** Waits for the screen to satisfy `pred`; a timeout reports the screen as it was at the end. */
  const screenShows = async (pred: (lines: string[]) => boolean, what: string, timeoutMs = 60_000) => {
    try {
      await waitFor(() => pred(screenLines()), { timeoutMs, intervalMs: 20, what });
    } catch (err) {
      throw new Error(`${(err as Error).message}\nscreen:\n${screen()}`);
    }
  };
  const startWatch = async () => {
    typeLine(`'${process.execPath}' '${BIN}' watch`);
    await screenShows((ls) => ls[0]!.startsWith('ag watch  ') && modes() === '1 0', 'ag watch drawn on the alternate screen, cursor hidden', 20_000);
  };
  /** Back at the shell: normal screen, cursor shown, the prompt on the last line, and it takes a command. */
  const expectTerminalRestored = async (marker: string) => {
    await waitFor(() => modes() === '0 1', { timeoutMs: 10_000, what: `the terminal restored (modes ${modes()})` });
    const shown = () => screen().trimEnd().split('\n');
    await waitFor(() => shown().at(-1) === PROMPT.trimEnd(), { what: `the shell prompt again; screen:\n${screen()}` });
    typeLine(`echo ${marker}-$((40+2))`);
    await waitFor(() => shown().includes(`${marker}-42`), { what: `the shell runs a command; screen:\n${screen()}` });
  };

  beforeAll(async () => {
    fake = await startFakeAnthropic();
    // Short, so the dialog's command fits the 80 columns whole.
    workDir = realpathSync(mkdtempSync(join(tmpdir(), 'ag-w-')));
    home = await prepareClaudeHome({ workDirs: [workDir], apiKey: 'sk-ant-test-0123456789abcdefghijklmnop', baseUrl: fake.url });
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: CLAUDE_RELEASES['2.1.197'], AEGIS_STALL_SECONDS: '600' });
    const { TMUX: _t, TMUX_PANE: _p, ...env } = t.env;
    pane = execFileSync(
      'tmux',
      ['-L', outer, '-f', '/dev/null', 'new-session', '-d', '-x', '80', '-y', '24', '-P', '-F', '#{pane_id}', 'bash', '--norc', '--noprofile'],
      {
        encoding: 'utf8',
        env: { ...env, PS1: PROMPT, TERM: 'xterm-256color' },
      },
    ).trim();
    await waitFor(() => screen().includes(PROMPT.trimEnd()), { what: 'the shell prompt' });
  }, 60_000);

  afterAll(async () => {
    try {
      execFileSync('tmux', ['-L', outer, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
    removeSocketFile(outer);
    t?.cleanup();
    await fake?.close();
    await home?.cleanup();
  });

  it('shows the session enter permission_prompt with its command; a approves it; then working, then idle; q gives the terminal back', async () => {
    await startWatch();
    expect(screenLines()[1]).toBe('no sessions yet: start one with ag create "brief" --work-dir DIR');

    // The reply after the tool's result streams for 3 s, so `working` lasts long enough to be seen.
    const witness = join(workDir, 'w.txt');
    const created = await runCli(
      ['create', `SLOW 3000 RUN echo watched > ${witness}`, '--work-dir', workDir, '--name', 'watched', '--env', JSON.stringify(home.env), '--json'],
      t.env,
    );
    expect(created.code, created.stderr).toBe(0);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    const row = new RegExp(`^> watched  ${id.slice(0, 8)}  claude  (\\S+) \\d+(?:s|m\\d\\ds)\\b`);
    const stateShown = (ls: string[]) => ls.map((l) => row.exec(l)?.[1]).find(Boolean);

    await screenShows((ls) => stateShown(ls) === 'permission_prompt', 'the row in permission_prompt');
    await screenShows((ls) => ls.includes(`    permission Bash: echo watched > ${witness}`), 'the dialog line with the command');
    expect(screenLines()[0]).toBe('ag watch  1 session, 1 waiting on you');
    for (const l of screenLines()) expect(l).not.toMatch(EMPTY_FIELD);
    expect(existsSync(witness)).toBe(false);

    term('send-keys', '-t', pane, 'a');
    await screenShows((ls) => ls.some((l) => l.startsWith('approved watched, now ')), 'the approval reported');
    // Observed, not assumed: the dialog is gone from the view and the approved command ran.
    expect(screenLines().some((l) => l.startsWith('    permission'))).toBe(false);
    await waitFor(() => existsSync(witness), { timeoutMs: 30_000, what: 'the approved command ran' });
    expect(readFileSync(witness, 'utf8').trim()).toBe('watched');
    const seen: string[] = [];
    await screenShows((ls) => {
      const s = stateShown(ls);
      if (s && seen.at(-1) !== s) seen.push(s);
      return s === 'idle';
    }, 'the row back to idle');
    expect(seen).toContain('working');
    expect(seen.indexOf('working')).toBeLessThan(seen.indexOf('idle'));
    await screenShows((ls) => ls.includes('    last: RAN: (Bash completed with no output)'), "the agent's last line");
    for (const l of screenLines()) expect(l).not.toMatch(EMPTY_FIELD);

    term('send-keys', '-t', pane, 'q');
    await expectTerminalRestored('after-q');
  }, 180_000);

  it('r rejects with a typed reason, which reaches the agent; a digit answers a question; o opens the pane and detaching comes back to the view', async () => {
    await startWatch();
    const refused = join(workDir, 'r.txt');
    const sent = await runCli(['send', 'watched', `RUN touch ${refused}`], t.env);
    expect(sent.code, sent.stderr).toBe(0);
    await screenShows((ls) => ls.includes(`    permission Bash: touch ${refused}`), 'the second dialog');

    term('send-keys', '-t', pane, 'r');
    await screenShows((ls) => ls[23] === 'reason (Enter sends, empty for none; Esc cancels):', 'the reason asked for');
    term('send-keys', '-t', pane, '-l', 'no, leave it alone');
    await screenShows((ls) => ls[23]!.endsWith(': no, leave it alone'), 'the reason typed');
    term('send-keys', '-t', pane, 'Enter');
    await screenShows((ls) => ls.some((l) => l.startsWith('rejected watched (reason sent), now ')), 'the rejection reported');
    await fake.waitForRequest((r) => r.prompt === 'no, leave it alone', 30_000);
    await screenShows((ls) => ls.includes('    last: ECHO: no, leave it alone'), 'the agent answering the reason');
    expect(existsSync(refused)).toBe(false);

    // A question: its options are on screen, and a digit answers it.
    expect((await runCli(['send', 'watched', 'ASK'], t.env)).code).toBe(0);
    await screenShows((ls) => ls.some((l) => l.startsWith('    question ') && l.includes('[1 Red · 2 Blue')), 'the question with its options');
    term('send-keys', '-t', pane, '2');
    await screenShows((ls) => ls.some((l) => l.startsWith('answered watched with ')), 'the answer reported');
    await screenShows((ls) => ls.some((l) => l.startsWith('    last: ANSWER: ')), "the agent's reply to the answer");
    const read = await runCli(['read', 'watched'], t.env);
    expect(read.stdout).toMatch(/ANSWER: .*"Blue"/);

    term('send-keys', '-t', pane, 'o');
    await screenShows((ls) => ls.some((l) => l.startsWith('[aegis] ')), "the session's pane, attached", 20_000);
    term('send-keys', '-t', pane, 'C-b', 'd');
    await screenShows((ls) => ls[0]!.startsWith('ag watch  ') && ls.includes('back from watched') && modes() === '1 0', 'back in the view');

    term('send-keys', '-t', pane, 'q');
    await expectTerminalRestored('after-open');
  }, 120_000);

  it('Ctrl-C and SIGTERM also give the terminal back', async () => {
    await startWatch();
    term('send-keys', '-t', pane, 'C-c');
    await expectTerminalRestored('after-ctrl-c');

    await startWatch();
    const shellPid = term('display-message', '-p', '-t', pane, '-F', '#{pane_pid}').trim();
    const watchPid = execFileSync('pgrep', ['-P', shellPid], { encoding: 'utf8' }).trim();
    expect(watchPid).toMatch(/^\d+$/);
    process.kill(Number(watchPid), 'SIGTERM');
    await expectTerminalRestored('after-sigterm');
  }, 60_000);
});
