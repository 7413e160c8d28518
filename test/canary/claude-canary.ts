/**
 * Detector accuracy on one Claude Code release, end to end:
 *
 *   npm run canary -- [version] [--only <text>]   (default: the newest release on the npm registry;
 *                                                  --only runs the scenarios whose name holds <text>)
 *
 * Installs that release into a temporary prefix (unless it is one of the devDependencies), then
 * drives it through the real `ag mcp` server (AEGIS_CLAUDE_COMMAND = its binary), offline against
 * the fake Anthropic API, one fresh session per scenario. Prints a per-scenario table, a confusion
 * matrix (expected state × reported state) and how often the dialog's fields were right at their
 * first report and once settled. Everything runs in private temp dirs and a private tmux server.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { rulesFor } from '../../src/agents/claude/rule-sets.js';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-server.js';
import { prepareClaudeHome } from '../fakes/claude-home.js';
import { makeTestEnv, ROOT } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { CLAUDE_RELEASES } from '../helpers/real-claude.js';

const PACKAGE = '@anthropic-ai/claude-code';
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const ECHO_MCP = join(ROOT, 'test', 'fakes', 'echo-mcp-server.ts');
const POLL_MS = 40;
const SETTLE_MS = 20_000;
const HOOK_WINDOW_MS = 2_000;

type Fields = Partial<Record<'tool' | 'command' | 'file' | 'url', string>>;
interface Dialog extends Fields {
  detailsKnown?: boolean;
}
interface Got {
  state: string;
  dialog?: Dialog;
  agentVersion?: string;
  screenRules?: { version: string; exact: boolean; note: string };
}

interface Scenario {
  name: string;
  /** The prompt (`{dir}` = the work folder, `{url}` = the fake's URL). */
  prompt: string;
  expected: string;
  /**
   * The tool the dialog is for. Its command/file/url must read as the input of the tool_use the fake
   * model sent (the ground truth), so a prompt mangled on its way in does not count as a misreading.
   */
  tool?: string;
  permissionMode?: string;
  /** Reads the state while the reply streams (SLOW) instead of once it settles. */
  during?: boolean;
  /** Sent once the reply streams: the key that ends the turn. */
  interrupt?: boolean;
  /** A first turn before the prompt, so that MCP servers have connected. */
  warmup?: boolean;
  /** Made before the prompt is sent. */
  setup?: (dir: string) => void;
}

const SCENARIOS: Scenario[] = [
  { name: 'reply, turn done', prompt: 'hello canary', expected: 'idle' },
  { name: 'working (streaming)', prompt: 'SLOW 6000 a slow reply', expected: 'working', during: true },
  { name: 'interrupted', prompt: 'SLOW 9000 to be interrupted', expected: 'idle', interrupt: true },
  { name: 'plain-text question', prompt: 'QUESTION', expected: 'asking' },
  { name: 'Bash dialog', prompt: 'RUN touch {dir}/made-by-bash.txt', expected: 'permission_prompt', tool: 'Bash' },
  { name: 'Bash dialog, 2 lines', prompt: 'RUN touch {dir}/one.txt &&\n  touch {dir}/two.txt', expected: 'permission_prompt', tool: 'Bash' },
  { name: 'Write dialog', prompt: 'WRITE {dir}/notes.md hello', expected: 'permission_prompt', tool: 'Write' },
  {
    name: 'Edit dialog',
    prompt: 'EDIT {dir}/edit-me.md "old" "new"',
    expected: 'permission_prompt',
    tool: 'Edit',
    setup: (dir) => writeFileSync(join(dir, 'edit-me.md'), 'old text\n'),
  },
  { name: 'WebFetch dialog', prompt: 'FETCH {url}/docs/page.html', expected: 'permission_prompt', tool: 'WebFetch' },
  { name: 'MCP tool dialog', prompt: 'TOOL mcp__echo__say {"text":"canary"}', expected: 'permission_prompt', tool: 'mcp__echo__say', warmup: true },
  { name: 'question picker', prompt: 'ASK', expected: 'asking', tool: 'AskUserQuestion' },
  { name: 'plan approval', prompt: 'PLAN', expected: 'plan', permissionMode: 'plan', tool: 'ExitPlanMode' },
];

/** The fields a dialog must show for a tool_use input: what the tool acts on. */
function fieldsOf(tool: string, input: Record<string, unknown>): Fields {
  const out: Fields = { tool };
  if (typeof input.command === 'string') out.command = input.command;
  if (typeof input.file_path === 'string' && tool !== 'ExitPlanMode') out.file = input.file_path;
  if (typeof input.url === 'string') out.url = input.url;
  return out;
}

function npm(args: string[], cwd?: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/** The binary of `version`: a devDependency when it is one, else a fresh install in a temp prefix. */
function install(version: string): { bin: string; cleanup(): void } {
  const installed = CLAUDE_RELEASES[version as keyof typeof CLAUDE_RELEASES];
  if (installed && existsSync(installed)) return { bin: installed, cleanup: () => undefined };
  const prefix = mkdtempSync(join(tmpdir(), `aegis-canary-${version}-`));
  console.error(`installing ${PACKAGE}@${version} into ${prefix}`);
  // Releases after 2.1.197 declare node >= 22, but the binary is native: the engine does not matter.
  npm(['install', '--prefix', prefix, `${PACKAGE}@${version}`, '--engine-strict=false', '--no-audit', '--no-fund', '--loglevel=error']);
  const bin = join(prefix, 'node_modules', ...PACKAGE.split('/'), 'bin', 'claude.exe');
  if (!existsSync(bin)) throw new Error(`${PACKAGE}@${version} installed no bin/claude.exe under ${prefix}`);
  return { bin, cleanup: () => rmSync(prefix, { recursive: true, force: true }) };
}

async function call<T>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 70_000 });
  if (r.isError) throw new Error(`${name} failed: ${(r.content as { text: string }[])[0]?.text}`);
  return r.structuredContent as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fill = (text: string, dir: string, fake: FakeAnthropic) => text.replaceAll('{dir}', dir).replaceAll('{url}', fake.url);

/** One field: right, shown as not known (never a guess), or wrong. */
type Verdict = 'right' | 'unknown' | 'wrong';
function judge(expected: Fields, dialog: Dialog | undefined, when: string): Record<string, Verdict> {
  const out: Record<string, Verdict> = {};
  for (const [field, want] of Object.entries(expected) as [keyof Fields, string][]) {
    const got = dialog?.[field];
    if (got === undefined) out[field] = 'unknown';
    // The screen shows a file relative to the work folder; the hook, the absolute path.
    else if (field === 'file' ? got === want || want.endsWith(`/${got}`) : got === want) out[field] = 'right';
    else {
      out[field] = 'wrong';
      if (when) console.error(`  ${when}: ${field} expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  }
  return out;
}

interface Outcome {
  scenario: Scenario;
  reported: string;
  first?: Record<string, Verdict>;
  settled?: Record<string, Verdict>;
  /** ms from the first report of the dialog's state to every field right (0 = right at once). */
  detailsLatencyMs?: number;
  note?: string;
  /** What session_get said about the agent version and its screen rules. */
  rules?: string;
}

async function runScenario(client: Client, fake: FakeAnthropic, env: Record<string, string>, dir: string, s: Scenario): Promise<Outcome> {
  s.setup?.(dir);
  const prompt = fill(s.prompt, dir, fake);
  const seen = fake.requests.length;
  const created = await call<{ id: string }>(client, 'session_create', {
    workDir: dir,
    prompt: s.warmup ? 'warm up' : prompt,
    env,
    ...(s.permissionMode ? { permissionMode: s.permissionMode } : {}),
  });
  const id = created.id;
  const get = () => call<Got>(client, 'session_get', { id });
  /** What the fake model was asked and answered since this scenario began. */
  const calls = () => fake.requests.slice(seen).filter((r) => r.kind === 'main');
  const lastToolUse = () =>
    calls()
      .flatMap((r) => (r.reply?.type === 'message' ? r.reply.content : []))
      .filter((b) => b.type === 'tool_use' && b.name === s.tool)
      .at(-1) as { name: string; input: Record<string, unknown> } | undefined;
  try {
    if (s.warmup) {
      await call(client, 'session_wait', { id, states: ['idle'], timeoutSeconds: 30 });
      await call(client, 'session_send', { id, text: prompt });
    }
    const deadline = Date.now() + SETTLE_MS;
    // Judge only once the model has the prompt: before that the session is idle for another reason.
    while (!calls().some((r) => r.prompt === prompt) && Date.now() < deadline) await sleep(POLL_MS);
    if (!calls().some((r) => r.prompt === prompt)) return { scenario: s, reported: (await get()).state, ...delivery(calls(), prompt) };
    if (s.during || s.interrupt) {
      // The reply streams now; read the state while it does.
      await sleep(1000);
      if (s.during) return { scenario: s, reported: (await get()).state, ...delivery(calls(), prompt) };
      await call(client, 'session_interrupt', { id });
    }
    // An instant reply: the turn it starts must have been seen to end (or to ask) first.
    if (!s.during && !s.interrupt) await waitTurnStarted(get, deadline);
    let got = await get();
    let first: Record<string, Verdict> | undefined;
    let firstSeenAt = 0;
    let detailsLatencyMs: number | undefined;
    while (Date.now() < deadline) {
      const use = s.tool ? lastToolUse() : undefined;
      if (got.state === s.expected) {
        if (!s.tool) break;
        if (!first && use) {
          first = judge(fieldsOf(use.name, use.input), got.dialog, 'first report');
          firstSeenAt = Date.now();
        }
        if (use && detailsLatencyMs === undefined && Object.values(judge(fieldsOf(use.name, use.input), got.dialog, '')).every((v) => v === 'right')) {
          detailsLatencyMs = Date.now() - firstSeenAt;
        }
        // Settled: shown long enough for the PermissionRequest hook (0.2-0.5 s after the screen) to be in.
        if (first && Date.now() - firstSeenAt >= HOOK_WINDOW_MS) break;
      }
      await sleep(POLL_MS);
      got = await get();
    }
    const use = s.tool ? lastToolUse() : undefined;
    const settled = use ? judge(fieldsOf(use.name, use.input), got.dialog, 'settled') : undefined;
    const rules = `agentVersion ${got.agentVersion}, ${got.screenRules?.note}`;
    // Why a dialog never came: what Claude Code answered the tool call with.
    const result =
      got.state === s.expected
        ? undefined
        : calls()
            .flatMap((r) => r.toolResults)
            .at(-1);
    const why = result ? { note: `no dialog; tool result: ${JSON.stringify(result.content.slice(0, 90))}` } : {};
    return { scenario: s, reported: got.state, first, settled, detailsLatencyMs, rules, ...why, ...delivery(calls(), prompt) };
  } finally {
    await call(client, 'session_kill', { id }).catch(() => undefined);
  }
}

/** Waits (bounded) until the state has left idle once: the prompt's turn began. */
async function waitTurnStarted(get: () => Promise<Got>, deadline: number): Promise<void> {
  const until = Math.min(deadline, Date.now() + 3000);
  while (Date.now() < until && (await get()).state === 'idle') await sleep(POLL_MS / 2);
}

/** A note when the fake model never received the prompt as typed (a delivery problem, not a misreading). */
function delivery(calls: { prompt: string }[], prompt: string): { note?: string } {
  if (calls.some((c) => c.prompt === prompt)) return {};
  const got = calls.map((c) => c.prompt).filter((p) => p !== '' && p !== 'warm up');
  return { note: got.length ? `prompt arrived as ${JSON.stringify(got.at(-1)!.slice(0, 80))}` : 'prompt never reached the model' };
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

const verdicts = (v?: Record<string, Verdict>) =>
  v
    ? Object.entries(v)
        .map(([f, x]) => `${f} ${x}`)
        .join(', ')
    : '';

function report(version: string, outcomes: Outcome[]): string {
  const seen = outcomes.find((o) => o.rules)?.rules;
  const out: string[] = [`Claude Code ${version}: screen ${rulesFor(version).note}; session_get said: ${seen ?? 'nothing'}`, ''];
  out.push(
    table([
      ['scenario', 'expected', 'reported', 'dialog at first report', 'dialog settled', 'note'],
      ...outcomes.map((o) => [
        o.scenario.name,
        o.scenario.expected,
        o.reported + (o.reported === o.scenario.expected ? '' : ' ✗'),
        verdicts(o.first),
        verdicts(o.settled),
        o.note ?? '',
      ]),
    ]),
  );
  const states = [...new Set(outcomes.flatMap((o) => [o.scenario.expected, o.reported]))];
  out.push('', 'Confusion matrix (rows: expected, columns: reported)', '');
  out.push(
    table([
      ['expected \\ reported', ...states],
      ...states.map((e) => [e, ...states.map((r) => String(outcomes.filter((o) => o.scenario.expected === e && o.reported === r).length))]),
    ]),
  );
  const count = (pick: (o: Outcome) => Record<string, Verdict> | undefined, v: Verdict) =>
    outcomes.flatMap((o) => Object.values(pick(o) ?? {})).filter((x) => x === v).length;
  const total = outcomes.flatMap((o) => Object.values(o.first ?? {})).length;
  const right = outcomes.filter((o) => o.reported === o.scenario.expected).length;
  out.push(
    '',
    `States right: ${right}/${outcomes.length}.`,
    `Dialog fields at first report: ${count((o) => o.first, 'right')}/${total} right, ${count((o) => o.first, 'unknown')} not known yet, ${count((o) => o.first, 'wrong')} wrong.`,
    `Dialog fields settled: ${count((o) => o.settled, 'right')}/${total} right, ${count((o) => o.settled, 'unknown')} not known, ${count((o) => o.settled, 'wrong')} wrong.`,
  );
  const latencies = outcomes.flatMap((o) => (o.detailsLatencyMs === undefined ? [] : [o.detailsLatencyMs])).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
  out.push(
    `Details right after the dialog's state was first reported: p50 ${at(0.5)} ms, max ${at(1)} ms over ${latencies.length} dialogs ` +
      `(the poll's own floor: session_get every ${POLL_MS} ms plus its round trip).`,
  );
  return out.join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` first (npm run canary does)');
  const args = process.argv.slice(2);
  const only = args.indexOf('--only');
  const filter = only >= 0 ? args.splice(only, 2)[1] : undefined;
  const version = args[0] ?? npm(['view', PACKAGE, 'version']);
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`version: "${version}" is not a release number like 2.1.332`);
  const { bin, cleanup: uninstall } = install(version);
  const fake = await startFakeAnthropic();
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-canary-work-')));
  const home = await prepareClaudeHome({ workDirs: [dir], apiKey: 'sk-ant-canary-0123456789abcdefghijklmnop', baseUrl: fake.url, claudeVersion: version });
  // The echo MCP server at user scope: no approval dialog for a project server first.
  const configPath = join(home.home, '.claude.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  writeFileSync(configPath, JSON.stringify({ ...config, mcpServers: { echo: { type: 'stdio', command: TSX, args: [ECHO_MCP] } } }, null, 2));
  mkdirSync(join(dir, '.claude'), { recursive: true });
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: bin, AEGIS_STALL_SECONDS: '600' });
  const mcp = await connectMcp(t.env);
  const outcomes: Outcome[] = [];
  try {
    for (const s of SCENARIOS.filter((x) => filter === undefined || x.name.includes(filter))) {
      const o = await runScenario(mcp.client, fake, home.env, dir, s).catch(
        (err: Error) => ({ scenario: s, reported: 'failed', note: err.message }) as Outcome,
      );
      console.error(`${s.name}: ${o.reported}${o.note ? ` (${o.note})` : ''}`);
      outcomes.push(o);
    }
  } finally {
    await mcp.close();
    t.cleanup();
    await fake.close();
    await home.cleanup();
    rmSync(dir, { recursive: true, force: true });
    uninstall();
  }
  console.log(report(version, outcomes));
}

await main();
