/**
 * Re-creates the screen fixtures 40-55 of test/fixtures/claude-code-2.1.197 with the REAL Claude
 * Code and the fake API, and prints start-up and reply timings:
 *
 *   npx tsx test/fakes/capture-claude-screens.ts [out-dir]
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
import { IDLE_FOOTER, startClaudePane, type ClaudePane } from './claude-pane.js';

const out = resolve(process.argv[2] ?? fileURLToPath(new URL('../fixtures/claude-code-2.1.197/screens', import.meta.url)));
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

const idleWith = (text: string) => (s: string) => s.includes(text) && s.includes(IDLE_FOOTER);

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
const home = await prepareClaudeHome({ workDirs: [work], apiKey: 'sk-ant-api03-fixture-key-0123456789', baseUrl: fake.url, settings: { hooks } });
let pane: ClaudePane | undefined;

try {
  // Session A: default mode, with the echo MCP server.
  pane = await startClaudePane({ cwd: work, env: home.env, args: ['--mcp-config', mcpConfig] });
  await pane.waitFor(IDLE_FOOTER, 30_000);

  await pane.submit('WRITE notes.md # Notes\n\nhello from the fake model');
  await pane.waitFor('Do you want to create notes.md?');
  await save(pane, '40-permission-write');
  await pane.press('1');
  await pane.waitFor(idleWith('WROTE: File created'));

  await pane.submit('EDIT notes.md "hello from" "edited by"');
  await pane.waitFor('Do you want to make this edit to notes.md?');
  await save(pane, '41-permission-edit');
  await pane.press('3');
  await pane.waitFor(idleWith('User rejected update to notes.md'));
  await save(pane, '46-after-reject-edit');

  await pane.submit(`FETCH ${fake.url}/docs/page.html`);
  await pane.waitFor('Do you want to allow Claude to fetch this content?');
  await save(pane, '42-permission-webfetch');
  await pane.press('Escape');
  await pane.waitFor((s) => !s.includes('Do you want to allow Claude') && s.includes(IDLE_FOOTER));
  await save(pane, '47-after-reject-webfetch');

  const mcpReady = fake.requests.some((r) => r.kind === 'main' && JSON.stringify(r.body?.tools ?? []).includes('mcp__echo__echo'));
  if (!mcpReady) throw new Error('the echo MCP server was not connected: its tool is missing from the main calls');
  await pane.submit('TOOL mcp__echo__echo {"text":"hi from the test"}');
  await pane.waitFor((s) => s.includes('(MCP)') && s.includes('Do you want to proceed?'));
  await save(pane, '43-permission-mcp');
  await pane.press('1');
  await pane.waitFor(idleWith('RESULT mcp__echo__echo: echo: hi from the test'));

  await pane.submit('WRITE notes.md overwritten by the fake model');
  await pane.waitFor(/Do you want to \S.* notes\.md\?/);
  await save(pane, '45-permission-write-overwrite');
  await pane.press('2');
  await pane.waitFor((s) => s.includes('WROTE:') && s.includes('accept edits on'));
  await save(pane, '48-idle-accept-edits-mode');

  // Shift+Tab cycles the mode: accept edits -> plan -> auto -> default.
  await pane.press('BTab');
  await pane.waitFor('plan mode on');
  await pane.press('BTab');
  await pane.waitFor('auto mode on');
  await save(pane, '50-idle-auto-mode');
  await pane.press('BTab');
  await pane.waitFor(IDLE_FOOTER);

  await pane.submit('/compact SLOW 4000');
  await pane.waitFor('Compacting conversation');
  await save(pane, '51-compacting', { settle: false });
  await pane.waitFor(idleWith('Compacted'), 20_000);
  await save(pane, '52-after-compact');
  await pane.kill();

  // Session B: started in plan mode; PLAN writes the plan file and calls ExitPlanMode.
  pane = await startClaudePane({ cwd: work, env: home.env, args: ['--permission-mode', 'plan'] });
  await pane.waitFor('plan mode on', 30_000);
  await save(pane, '49-idle-plan-mode');
  await pane.submit('PLAN');
  await pane.waitFor('Would you like to proceed?');
  await save(pane, '44-plan-approval');
  await pane.press('2');
  await pane.waitFor(idleWith('PLANNED:'));
  await save(pane, '53-after-plan-approved');
  await pane.kill();

  // Session C: ExitPlanMode in plan mode before any plan file exists.
  pane = await startClaudePane({ cwd: work, env: home.env, args: ['--permission-mode', 'plan'] });
  await pane.waitFor('plan mode on', 30_000);
  await pane.submit('TOOL ExitPlanMode {}');
  await pane.waitFor('Exit plan mode?');
  await save(pane, '54-plan-exit-no-plan-file');
  await pane.press('2');
  await pane.waitFor((s) => !s.includes('Exit plan mode?') && s.includes('plan mode on'));
  await save(pane, '55-after-plan-exit-rejected');
  await pane.kill();

  // The hook payloads of sessions A-C (the dialogs above); the timing runs below are left out.
  await writeFile(join(out, 'sample-hooks-dialogs.jsonl'), (await readFile(hooksFile, 'utf8')).split('\n').filter((l) => l.trim() !== '').join('\n') + '\n');

  // Session T: timings (the fake answers at once).
  const startToIdle: number[] = [];
  const promptToReply: number[] = [];
  const promptToPermission: number[] = [];
  for (let run = 0; run < 3; run++) {
    const t0 = Date.now();
    pane = await startClaudePane({ cwd: work, env: home.env });
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
    await pane.press('3');
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
