/**
 * Captures the screen fixtures of one Claude Code release with the REAL Claude Code and the fake
 * API, and prints start-up and reply timings:
 *
 *   npx tsx test/fakes/capture-claude-screens.ts [--claude <version>] [out-dir]
 *
 * `--claude` names a release of test/helpers/real-claude.ts (default 2.1.197); the default out-dir
 * is test/fixtures/claude-code-<version>/screens. Fixtures 40-56 are the dialogs; 01-21 (named like
 * the first study's captures in /work/shared/fixtures/claude-code-2.1.197) are the conversation
 * states, captured here too for releases after 2.1.197.
 *
 * Each screen is saved twice: `capture-pane -p` (.txt) and `capture-pane -e -p` (.ansi), 200x50.
 * Hook payloads of the run go to `<out-dir>/sample-hooks-dialogs.jsonl`. Everything runs in a
 * private HOME and tmux server that are removed at the end.
 */
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeAnthropic } from './anthropic-server.js';
import { prepareClaudeHome } from './claude-home.js';
import { IDLE_FOOTER, startClaudePane, type ClaudePane, type ClaudePaneOptions } from './claude-pane.js';
import { CLAUDE_RELEASES } from '../helpers/real-claude.js';

const argv = process.argv.slice(2);
const flag = argv.indexOf('--claude');
const version = flag >= 0 ? (argv.splice(flag, 2)[1] ?? '') : '2.1.197';
if (!(version in CLAUDE_RELEASES)) throw new Error(`--claude: no installed release ${version}; known: ${Object.keys(CLAUDE_RELEASES).join(', ')}`);
const bin = CLAUDE_RELEASES[version as keyof typeof CLAUDE_RELEASES];
const out = resolve(argv[0] ?? fileURLToPath(new URL(`../fixtures/claude-code-${version}/screens`, import.meta.url)));
/** Since 2.1.33x Claude Code starts in auto mode unless told otherwise; Aegis always passes a mode. */
function start(opts: Omit<ClaudePaneOptions, 'bin'>): Promise<ClaudePane> {
  const args = opts.args ?? [];
  return startClaudePane({ ...opts, bin, args: args.includes('--permission-mode') ? args : ['--permission-mode', 'default', ...args] });
}
const TSX = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
const ECHO_MCP = fileURLToPath(new URL('./echo-mcp-server.ts', import.meta.url));
const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Notification', 'Stop', 'PreCompact', 'SessionEnd'];

/** Waits until two captures 250 ms apart are equal, so a saved screen is not caught mid-redraw. */
async function settled(pane: ClaudePane): Promise<void> {
  let last = await pane.capture();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 250));
    const now = await pane.capture();
    if (now === last) return;
    last = now;
  }
}

async function save(pane: ClaudePane, name: string, opts: { settle?: boolean } = {}): Promise<void> {
  if (opts.settle !== false) await settled(pane);
  await writeFile(join(out, `${name}.txt`), await pane.capture());
  await writeFile(join(out, `${name}.ansi`), await pane.capture({ ansi: true }));
  console.error(`saved ${name}`);
}

/** The key of the dialog option whose label matches (option numbers differ between releases). */
async function option(pane: ClaudePane, label: RegExp): Promise<string> {
  for (const row of (await pane.capture()).split('\n')) {
    const m = /^\s*(?:❯)?[\s\u00a0]*(\d+)\.\s+(\S.*)$/u.exec(row);
    if (m && label.test(m[2]!.trim())) return m[1]!;
  }
  throw new Error(`no dialog option matches ${String(label)}`);
}

/** Shift+Tab until the footer shows `mode` (the cycle's order changed between releases). */
async function cycleTo(pane: ClaudePane, mode: string): Promise<void> {
  for (let i = 0; i < 6; i++) {
    if ((await pane.capture()).includes(mode)) return;
    await pane.press('BTab');
    await new Promise((r) => setTimeout(r, 300));
  }
  await pane.waitFor(mode);
}

const idleWith = (text: string | RegExp) => (s: string) => (typeof text === 'string' ? s.includes(text) : text.test(s)) && s.includes(IDLE_FOOTER);

function stats(label: string, ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `${label}: n=${ms.length} min=${sorted[0]}ms median=${median}ms max=${sorted.at(-1)}ms`;
}

await mkdir(out, { recursive: true });
const fake = await startFakeAnthropic({ log: (line) => console.error(line) });
const root = await realpath(await mkdtemp(join(tmpdir(), 'aegis-fixtures-')));
const work = join(root, 'proj');
await mkdir(work);
const hooksFile = join(root, 'hooks.jsonl');
const mcpConfig = join(root, 'mcp.json');
await writeFile(mcpConfig, JSON.stringify({ mcpServers: { echo: { type: 'stdio', command: TSX, args: [ECHO_MCP] } } }));
const hooks = Object.fromEntries(HOOK_EVENTS.map((e) => [e, [{ matcher: '', hooks: [{ type: 'command', command: `{ cat; echo; } >> '${hooksFile}'` }] }]]));
const home = await prepareClaudeHome({
  workDirs: [work],
  apiKey: 'sk-ant-api03-fixture-key-0123456789',
  baseUrl: fake.url,
  settings: { hooks },
  claudeVersion: version,
});
let pane: ClaudePane | undefined;

try {
  // Session A: default mode, with the echo MCP server.
  pane = await start({ cwd: work, env: home.env, args: ['--mcp-config', mcpConfig] });
  await pane.waitFor(IDLE_FOOTER, 30_000);

  await pane.submit('WRITE notes.md # Notes\n\nhello from the fake model');
  await pane.waitFor('Do you want to create notes.md?');
  await save(pane, '40-permission-write');
  await pane.press('1');
  await pane.waitFor(idleWith('WROTE: File created'));

  await pane.submit('EDIT notes.md "hello from" "edited by"');
  await pane.waitFor('Do you want to make this edit to notes.md?');
  await save(pane, '41-permission-edit');
  await pane.press(await option(pane, /^No\b/));
  await pane.waitFor(idleWith(/(?:User r|R)ejected update to notes\.md/));
  await save(pane, '46-after-reject-edit');

  await pane.submit(`FETCH ${fake.url}/docs/page.html`);
  await pane.waitFor('Do you want to allow Claude to fetch this content?');
  await save(pane, '42-permission-webfetch');
  await pane.press('Escape');
  await pane.waitFor((s) => !s.includes('Do you want to allow Claude') && s.includes(IDLE_FOOTER));
  await save(pane, '47-after-reject-webfetch');

  // 2.1.197 lists MCP tools in `tools`; 2.1.33x may defer them and name them in the messages instead.
  const mcpReady = fake.requests.some((r) => r.kind === 'main' && JSON.stringify(r.body ?? {}).includes('mcp__echo__echo'));
  if (!mcpReady) throw new Error('the echo MCP server was not connected: its tool is missing from the main calls');
  await pane.submit('TOOL mcp__echo__echo {"text":"hi from the test"}');
  await pane.waitFor((s) => s.includes('(MCP)') && s.includes('Do you want to proceed?'));
  await save(pane, '43-permission-mcp');
  await pane.press('1');
  await pane.waitFor(idleWith('RESULT mcp__echo__echo: echo: hi from the test'));

  await pane.submit('TOOL mcp__echo__say {"text":"titled"}');
  await pane.waitFor((s) => s.includes('Do you want to proceed?'));
  await save(pane, '56-permission-mcp-titled');
  await pane.press('1');
  await pane.waitFor(idleWith('RESULT mcp__echo__say: said: titled'));

  await pane.submit('WRITE notes.md overwritten by the fake model');
  await pane.waitFor(/Do you want to \S.* notes\.md\?/);
  await save(pane, '45-permission-write-overwrite');
  await pane.press(await option(pane, /allow all edits|accept edits/));
  await pane.waitFor((s) => s.includes('WROTE:') && s.includes('accept edits on'));
  await save(pane, '48-idle-accept-edits-mode');

  // Shift+Tab cycles the mode (2.1.197: accept edits -> plan -> auto -> default).
  await cycleTo(pane, 'auto mode on');
  await save(pane, '50-idle-auto-mode');
  await cycleTo(pane, IDLE_FOOTER);

  await pane.submit('/compact SLOW 4000');
  await pane.waitFor('Compacting conversation');
  await save(pane, '51-compacting', { settle: false });
  await pane.waitFor(idleWith('Compacted'), 20_000);
  await save(pane, '52-after-compact');
  await pane.kill();

  // Session B: started in plan mode; PLAN writes the plan file and calls ExitPlanMode.
  pane = await start({ cwd: work, env: home.env, args: ['--permission-mode', 'plan'] });
  await pane.waitFor('plan mode on', 30_000);
  await save(pane, '49-idle-plan-mode');
  await pane.submit('PLAN');
  await pane.waitFor('Would you like to proceed?');
  await save(pane, '44-plan-approval');
  await pane.press(await option(pane, /manually approve/));
  await pane.waitFor(idleWith('PLANNED:'));
  await save(pane, '53-after-plan-approved');
  await pane.kill();

  // Session C: ExitPlanMode in plan mode before any plan file exists.
  pane = await start({ cwd: work, env: home.env, args: ['--permission-mode', 'plan'] });
  await pane.waitFor('plan mode on', 30_000);
  await pane.submit('TOOL ExitPlanMode {}');
  await pane.waitFor('Exit plan mode?');
  await save(pane, '54-plan-exit-no-plan-file');
  await pane.press(await option(pane, /^No\b/));
  await pane.waitFor((s) => !s.includes('Exit plan mode?') && s.includes('plan mode on'));
  await save(pane, '55-after-plan-exit-rejected');
  await pane.kill();

  // Session D: the conversation states and the Bash dialog, named like the first study's captures.
  pane = await start({ cwd: work, env: home.env });
  await pane.waitFor(IDLE_FOOTER, 30_000);
  await save(pane, '01-startup-idle');
  await pane.submit('SLOW 6000 hello there, slowly');
  await pane.waitFor('esc to interrupt');
  await new Promise((r) => setTimeout(r, 1500));
  await save(pane, '03-working-spinner', { settle: false });
  await pane.waitFor(idleWith('ECHO: hello there, slowly'), 20_000);
  await save(pane, '02-reply-idle');

  await pane.submit('SLOW 8000 to be interrupted');
  await pane.waitFor('esc to interrupt');
  await new Promise((r) => setTimeout(r, 1000));
  await pane.press('Escape');
  await pane.waitFor((s) => !s.includes('esc to interrupt') && s.includes(IDLE_FOOTER));
  await save(pane, '07-after-esc-interrupt');

  await pane.submit('RUN touch made-by-bash.txt');
  await pane.waitFor('Do you want to proceed?');
  await save(pane, '08-permission-bash');
  await pane.press('1');
  await pane.waitFor(idleWith('RAN:'));
  await save(pane, '10-after-approve-done');

  await pane.submit('RUN touch one.txt &&\n  touch two.txt');
  await pane.waitFor('Do you want to proceed?');
  await save(pane, '12-permission-bash-multiline');
  await pane.press(await option(pane, /^No\b/));
  await pane.waitFor((s) => !s.includes('Do you want to proceed?') && s.includes(IDLE_FOOTER));
  await save(pane, '11-after-reject');

  await pane.submit('SLOW 6000 first of two');
  await pane.waitFor('esc to interrupt');
  await pane.submit('queued second');
  await save(pane, '14-queued-message-while-working', { settle: false });
  await pane.waitFor(idleWith('ECHO: queued second'), 20_000);
  await save(pane, '15-after-queued-message');

  await pane.submit('QUESTION');
  await pane.waitFor(idleWith('Which file should I change?'));
  await save(pane, '16-plain-text-question');

  await pane.submit('ASK');
  await pane.waitFor('Which colour should the button be?');
  await save(pane, '17-askuserquestion');
  await pane.press('1');
  await pane.waitFor(idleWith('ANSWER:'));
  await save(pane, '18-after-askuserquestion-answer');

  await pane.submit('FAIL400');
  await pane.waitFor(idleWith('API Error'));
  await save(pane, '21-api-error-400');
  await pane.kill();

  // The hook payloads of sessions A-D (the dialogs above); the timing runs below are left out.
  await writeFile(
    join(out, 'sample-hooks-dialogs.jsonl'),
    (await readFile(hooksFile, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .join('\n') + '\n',
  );

  // Session T: timings (the fake answers at once).
  const startToIdle: number[] = [];
  const promptToReply: number[] = [];
  const promptToPermission: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t0 = Date.now();
    pane = await start({ cwd: work, env: home.env });
    await pane.waitFor(IDLE_FOOTER, 30_000);
    startToIdle.push(Date.now() - t0);
    for (let i = 0; i < 3; i++) {
      const t1 = Date.now();
      await pane.submit(`timing ${run}.${i}`);
      await pane.waitFor(idleWith(`ECHO: timing ${run}.${i}`));
      promptToReply.push(Date.now() - t1);
    }
    const t2 = Date.now();
    await pane.submit(`RUN touch timing-${run}.txt`);
    await pane.waitFor('Do you want to proceed?');
    promptToPermission.push(Date.now() - t2);
    await pane.press(await option(pane, /^No\b/));
    await pane.waitFor((s) => !s.includes('Do you want to proceed?') && s.includes(IDLE_FOOTER));
    await pane.kill();
  }
  pane = undefined;
  console.log(stats('start to idle', startToIdle));
  console.log(stats('prompt to echo reply on screen', promptToReply));
  console.log(stats('prompt to permission prompt on screen', promptToPermission));
} finally {
  await pane?.kill();
  await fake.close();
  await home.cleanup();
  await rm(root, { recursive: true, force: true });
}
