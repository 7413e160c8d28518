import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectClaudeScreen } from '../../src/agents/claude/detect.js';
import { approveKeys, rejectKeys } from '../../src/agents/claude/dialog-keys.js';
import { CLAUDE_RULE_SETS, compareVersions, readClaudeScreen, rulesFor } from '../../src/agents/claude/rule-sets.js';
import { CLAUDE_2_1_197, CLAUDE_2_1_332 } from '../../src/agents/claude/screen-rules.js';
import { claudeVersion } from '../../src/agents/claude/version.js';
import type { Dialog, ScreenReading } from '../../src/agents/types.js';
import { fuse } from '../../src/sessions/fuse.js';
import { emptyFacts } from '../../src/agents/profile.js';
import { TerminalScreen } from '../../src/terminal/screen.js';
import { CLAUDE_RELEASES } from '../helpers/real-claude.js';

/** Captures of the real Claude Code 2.1.332 at 200x50 (test/fakes/capture-claude-screens.ts --claude 2.1.332). */
const DIR_332 = fileURLToPath(new URL('../fixtures/claude-code-2.1.332/screens', import.meta.url));

async function readCapture(path: string): Promise<string[]> {
  const screen = new TerminalScreen(200, 50);
  try {
    await screen.writeCapture(readFileSync(path, 'utf8'));
    return screen.lines();
  } finally {
    screen.dispose();
  }
}

const capture = (name: string, ext: 'ansi' | 'txt' = 'ansi') => readCapture(join(DIR_332, `${name}.${ext}`));
const read332 = async (name: string) => detectClaudeScreen(await capture(name), rulesFor('2.1.332').rules);

const CWD = '/tmp/aegis-fixtures-BmOzC9/proj';
const BASH_OPTIONS = [
  { number: 1, label: 'Yes', selected: true },
  { number: 2, label: `Yes, and always allow access to ${CWD} from this project`, selected: false },
  { number: 3, label: 'Yes, and switch to auto mode · auto mode handles these prompts for you', selected: false },
  { number: 4, label: 'No', selected: false },
];
const FILE_OPTIONS = [
  { number: 1, label: 'Yes', selected: true },
  { number: 2, label: 'Yes, and switch to accept edits (auto-approve file edits and common file commands) for this session (shift+tab)', selected: false },
  { number: 3, label: 'No', selected: false },
];
const mcpOptions = (shown: string) => [
  { number: 1, label: 'Yes', selected: true },
  { number: 2, label: `Yes, and don't ask again for echo — ${shown} commands in ${CWD}`, selected: false },
  { number: 3, label: 'No', selected: false },
];

type Expected = Partial<ScreenReading> & Pick<ScreenReading, 'state'>;
const idle = (more: Partial<ScreenReading> = {}): Expected => ({ state: 'idle', permissionMode: 'default', ...more });

/**
 * What each 2.1.332 capture shows (test/fixtures/claude-code-2.1.332/README.md). Unlisted fields
 * must be empty, as in claude-screen.test.ts.
 */
const EXPECTED_332: Record<string, Expected> = {
  '01-startup-idle': idle(),
  // `✻ Sautéed for 6s · done 4:21 PM`: the time after the duration still ends a turn.
  '02-reply-idle': idle({ turnFinished: true, lastAssistantText: 'ECHO: hello there, slowly' }),
  // Spinner glyph `*`, new in 2.1.33x.
  '03-working-spinner': { state: 'working', permissionMode: 'default' },
  '07-after-esc-interrupt': idle({ interrupted: true, lastAssistantText: 'ECH' }),
  // Tip row and description above, the command between `╌` rules: the command alone is read.
  '08-permission-bash': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Bash command',
      question: 'Do you want to proceed?',
      options: BASH_OPTIONS,
      tool: 'Bash',
      command: 'touch made-by-bash.txt',
    },
  },
  '10-after-approve-done': idle({ turnFinished: true, lastAssistantText: 'RAN: (Bash completed with no output)' }),
  '11-after-reject': idle({ interrupted: true }),
  // A multi-line command has a `│ ` gutter in the box; the relative indent is kept.
  '12-permission-bash-multiline': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Bash command',
      question: 'Do you want to proceed?',
      options: [
        { number: 1, label: 'Yes', selected: true },
        { number: 2, label: `Yes, and don't ask again for touch one.txt and touch two.txt commands in ${CWD}`, selected: false },
        BASH_OPTIONS[2]!,
        BASH_OPTIONS[3]!,
      ],
      tool: 'Bash',
      command: 'touch one.txt &&\n  touch two.txt',
    },
  },
  // The queued prompt is echoed in the conversation with `⎿  Queued · …` under it.
  '14-queued-message-while-working': { state: 'working', queued: ['queued second'], permissionMode: 'default' },
  '15-after-queued-message': idle({ turnFinished: true, lastAssistantText: 'ECHO: queued second' }),
  '16-plain-text-question': idle({ turnFinished: true, lastAssistantText: 'I can make that change. Which file should I change?' }),
  '17-askuserquestion': {
    state: 'asking',
    dialog: {
      kind: 'question',
      title: 'Colour',
      question: 'Which colour should the button be?',
      options: [
        { number: 1, label: 'Red', selected: true },
        { number: 2, label: 'Blue', selected: false },
        { number: 3, label: 'Type something.', selected: false },
        { number: 4, label: 'Chat about this', selected: false },
      ],
      tool: 'AskUserQuestion',
    },
  },
  '18-after-askuserquestion-answer': idle({
    turnFinished: true,
    lastAssistantText:
      'ANSWER: Your questions have been answered: "Which colour should the button be?"="Red". You can now continue with these answers in mind.',
  }),
  '21-api-error-400': idle({ error: 'API Error: 400 fake bad request', lastAssistantText: undefined }),
  '40-permission-write': {
    state: 'permission_prompt',
    dialog: { kind: 'permission', title: 'Create file', question: 'Do you want to create notes.md?', options: FILE_OPTIONS, tool: 'Write', file: 'notes.md' },
  },
  '41-permission-edit': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Edit file',
      question: 'Do you want to make this edit to notes.md?',
      options: FILE_OPTIONS,
      tool: 'Edit',
      file: 'notes.md',
    },
  },
  '42-permission-webfetch': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Fetch',
      question: 'Do you want to allow Claude to fetch this content?',
      options: [
        { number: 1, label: 'Yes', selected: true },
        { number: 2, label: "Yes, and don't ask again for 127.0.0.1", selected: false },
        { number: 3, label: 'No, and tell Claude what to do differently (esc)', selected: false },
      ],
      tool: 'WebFetch',
      url: 'http://127.0.0.1:40557/docs/page.html',
    },
  },
  // `echo — Echo Tool: (MCP)` is a display form, not the name: not known until the hook names it.
  '43-permission-mcp': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Tool use',
      question: 'Do you want to proceed?',
      options: mcpOptions('Echo'),
      toolLabel: 'echo — Echo Tool',
      detailsKnown: false,
    },
  },
  '44-plan-approval': {
    state: 'plan',
    dialog: {
      kind: 'plan',
      title: 'Ready to code?',
      question: 'Claude has written up a plan and is ready to execute. Would you like to proceed?',
      options: [
        { number: 1, label: 'Yes, and use auto mode', selected: true },
        { number: 2, label: 'Yes, manually approve edits', selected: false },
        { number: 3, label: 'Tell Claude what to change', selected: false },
      ],
      tool: 'ExitPlanMode',
    },
  },
  '45-permission-write-overwrite': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Overwrite file',
      question: 'Do you want to overwrite notes.md?',
      options: FILE_OPTIONS,
      tool: 'Write',
      file: 'notes.md',
    },
  },
  // `⎿  Rejected update to notes.md` (2.1.197: "User rejected …").
  '46-after-reject-edit': idle({ interrupted: true }),
  '47-after-reject-webfetch': idle({ interrupted: true }),
  '48-idle-accept-edits-mode': { state: 'idle', turnFinished: true, permissionMode: 'acceptEdits' },
  '49-idle-plan-mode': { state: 'idle', permissionMode: 'plan' },
  '50-idle-auto-mode': { state: 'idle', turnFinished: true, permissionMode: 'auto' },
  '51-compacting': { state: 'compacting', permissionMode: 'default' },
  '52-after-compact': idle(),
  '53-after-plan-approved': idle({ turnFinished: true }),
  // Indented two columns, rules included, under a `▔▔▔` edge; no key hints under it.
  '54-plan-exit-no-plan-file': {
    state: 'plan',
    dialog: {
      kind: 'plan',
      title: 'Exit plan mode?',
      question: 'Claude wants to exit plan mode',
      options: [
        { number: 1, label: 'Yes, and switch to default (ask each time) for this session', selected: true },
        { number: 2, label: 'No', selected: false },
      ],
      tool: 'ExitPlanMode',
    },
  },
  '55-after-plan-exit-rejected': { state: 'idle', interrupted: true, permissionMode: 'plan' },
  // The tool's title ("Say the text back") is not shown either: `echo — Say Tool`.
  '56-permission-mcp-titled': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Tool use',
      question: 'Do you want to proceed?',
      options: mcpOptions('Say'),
      toolLabel: 'echo — Say Tool',
      detailsKnown: false,
    },
  },
};

function expectReading(actual: ScreenReading, expected: Expected): void {
  expect(actual.state).toBe(expected.state);
  expect(actual.dialog).toEqual(expected.dialog);
  expect(actual.inputText).toBe(expected.inputText ?? '');
  expect(actual.queued).toEqual(expected.queued ?? []);
  expect(actual.turnFinished).toBe(expected.turnFinished ?? false);
  expect(actual.interrupted ?? false).toBe(expected.interrupted ?? false);
  expect(actual.error).toBe(expected.error);
  if ('lastAssistantText' in expected) expect(actual.lastAssistantText).toBe(expected.lastAssistantText);
  if ('permissionMode' in expected) expect(actual.permissionMode).toBe(expected.permissionMode);
}

const CAPTURED_332 = existsSync(DIR_332) ? readdirSync(DIR_332).flatMap((n) => /^(\d\d-.+)\.ansi$/u.exec(n)?.[1] ?? []) : [];

describe('detectClaudeScreen on captured Claude Code 2.1.332 screens, with the rules for 2.1.332', () => {
  it('has an expectation for every capture and a capture for every dialog kind', () => {
    expect(CAPTURED_332.filter((name) => !(name in EXPECTED_332))).toEqual([]);
    expect(Object.keys(EXPECTED_332).filter((name) => !CAPTURED_332.includes(name))).toEqual([]);
  });

  for (const [name, expected] of Object.entries(EXPECTED_332)) {
    it(`${name} → ${expected.state}`, async () => {
      expectReading(await read332(name), expected);
    });
  }

  it('reads the same from the plain .txt capture as from the .ansi one', async () => {
    for (const name of CAPTURED_332) {
      expect(detectClaudeScreen(await capture(name, 'txt'), CLAUDE_2_1_332), name).toEqual(await read332(name));
    }
  });

  it('approves with "Yes" and rejects with "No" on the four-option Bash dialog', async () => {
    const dialog = (await read332('08-permission-bash')).dialog!;
    expect(approveKeys(dialog, 'once').keys).toEqual(['1']);
    expect(rejectKeys(dialog).keys).toEqual(['4']);
  });

  it('on a version the rules were not verified on, publishes the state but not the screen-read details', async () => {
    const lines = await capture('08-permission-bash');
    const newer = readClaudeScreen(lines, rulesFor('2.1.400'));
    expect(newer.state).toBe('permission_prompt');
    expect(newer.dialog).toMatchObject({ tool: 'Bash', detailsKnown: false, options: BASH_OPTIONS });
    expect(newer.dialog?.command).toBeUndefined();
    expect(readClaudeScreen(lines, rulesFor('2.1.332')).dialog).toEqual(EXPECTED_332['08-permission-bash']!.dialog);
    // A reading without details (a question) is not touched.
    expect(readClaudeScreen(await capture('17-askuserquestion'), rulesFor('2.1.400')).dialog).toEqual(EXPECTED_332['17-askuserquestion']!.dialog);
  });

  it('misreads 2.1.332 with the 2.1.197 rules (why rules are chosen by version)', async () => {
    const old = detectClaudeScreen(await capture('08-permission-bash'), CLAUDE_2_1_197);
    expect(old.dialog?.command).toContain('Tip: auto mode');
    expect(detectClaudeScreen(await capture('02-reply-idle'), CLAUDE_2_1_197).turnFinished).toBe(false);
  });
});

// ---------- what the screen cannot tell: "not known", never a guess ----------

const RULE = '─'.repeat(200);
const BOX = '╌'.repeat(200);
const bashDialog = (body: string[]) => [RULE, ' Bash command', ...body, ' Do you want to proceed?', ' ❯ 1. Yes', '   2. No', ' Esc to cancel · Tab to amend'];

describe('shell command dialogs per layout', () => {
  it('2.1.33x: without the box of `╌` rules the command is not known', () => {
    const r = detectClaudeScreen(bashDialog([' Tip: auto mode handles these prompts for you', ' Run the tests']), CLAUDE_2_1_332);
    expect(r.state).toBe('permission_prompt');
    expect(r.dialog).toMatchObject({ tool: 'Bash', detailsKnown: false });
    expect(r.dialog?.command).toBeUndefined();
  });

  it('a command row as wide as the screen was wrapped: not known rather than split wrongly', () => {
    const r = detectClaudeScreen(bashDialog([' Run it', BOX, ` ${'x'.repeat(199)}`, ' y', BOX]), CLAUDE_2_1_332);
    expect(r.dialog).toMatchObject({ tool: 'Bash', detailsKnown: false });
    expect(r.dialog?.command).toBeUndefined();
  });

  it('a file subtitle indented deeper than the diff under it is read without the indent', () => {
    const r = detectClaudeScreen(
      [RULE, ' Edit file', '  edit-me.md', BOX, '1 -old', '1 +new', BOX, ' Do you want to make this edit to edit-me.md?', ' ❯ 1. Yes', '   2. No'],
      CLAUDE_2_1_332,
    );
    expect(r.dialog).toMatchObject({ tool: 'Edit', file: 'edit-me.md' });
  });

  it('2.1.197: the command rows above the description', () => {
    const r = detectClaudeScreen(bashDialog(['   npm test', '   Run the tests']), CLAUDE_2_1_197);
    expect(r.dialog).toMatchObject({ tool: 'Bash', command: 'npm test' });
    expect(r.dialog?.detailsKnown).toBeUndefined();
  });
});

describe('fuse: hook data is authoritative for the dialog of the same tool', () => {
  const reading = (dialog: Dialog): ScreenReading => ({ state: 'permission_prompt', dialog, inputText: '', queued: [], turnFinished: false });
  const facts = (tool: string, input: Record<string, unknown>) => ({ ...emptyFacts(), permission: { tool, input, at: 1 } });
  const base = { paneGone: false, paneDead: false, previous: 'working' as const, everReady: true };
  const unknownBash: Dialog = {
    kind: 'permission',
    title: 'Bash command',
    question: 'Do you want to proceed?',
    options: [],
    tool: 'Bash',
    detailsKnown: false,
  };

  it('publishes the state at once with the details marked not known, then the hook fills them in', () => {
    expect(fuse({ ...base, reading: reading(unknownBash), facts: emptyFacts() })).toMatchObject({
      state: 'permission_prompt',
      dialog: { detailsKnown: false },
    });
    const fused = fuse({ ...base, reading: reading(unknownBash), facts: facts('Bash', { command: 'npm test', description: 'Run the tests' }) });
    expect(fused.dialog).toEqual({ ...unknownBash, detailsKnown: undefined, command: 'npm test', file: undefined, url: undefined });
    expect('detailsKnown' in fused.dialog!).toBe(false);
  });

  it('names an MCP tool the screen only showed by its display form', () => {
    const mcp: Dialog = {
      kind: 'permission',
      title: 'Tool use',
      question: 'Do you want to proceed?',
      options: [],
      toolLabel: 'echo — Say Tool',
      detailsKnown: false,
    };
    expect(fuse({ ...base, reading: reading(mcp), facts: facts('mcp__echo__say', { text: 'hi' }) }).dialog).toMatchObject({
      tool: 'mcp__echo__say',
      toolLabel: 'echo — Say Tool',
    });
  });

  it('ignores a hook for another tool (a stale request): the screen reading stands', () => {
    const write: Dialog = { kind: 'permission', title: 'Create file', question: 'Do you want to create a.md?', options: [], tool: 'Write', file: 'a.md' };
    expect(fuse({ ...base, reading: reading(write), facts: facts('Bash', { command: 'rm -rf x' }) }).dialog).toEqual(write);
  });
});

// ---------- releases between the rule sets ----------

/**
 * Captures of releases no rule set was verified on (test/fakes/capture-claude-screens.ts), where the
 * 2.1.33x drawing began: 2.1.243 indents plan dialogs, 2.1.247 also ends turns in `· done <time>` and
 * has the Bash tip. The set serving them must read every state as 2.1.332 reads its own capture of the
 * same scene, and leave out what a dialog acts on (the hooks bring it). Scene 50 differs between
 * releases (a first-use notice of auto mode), so it is not compared.
 */
describe('releases between the rule sets', () => {
  for (const release of ['2.1.243', '2.1.247']) {
    it(`${release}: every capture reads as 2.1.332 reads the same scene, no dialog detail guessed`, async () => {
      const dir = fileURLToPath(new URL(`../fixtures/claude-code-${release}/screens`, import.meta.url));
      const choice = rulesFor(release);
      expect(choice).toMatchObject({ rules: CLAUDE_2_1_332, rulesExact: false });
      const names = readdirSync(dir)
        .filter((f) => f.endsWith('.ansi'))
        .map((f) => f.slice(0, -'.ansi'.length))
        .filter((n) => n in EXPECTED_332 && n !== '50-idle-auto-mode');
      expect(names.length).toBeGreaterThanOrEqual(28);
      for (const name of names) {
        const r = readClaudeScreen(await readCapture(join(dir, `${name}.ansi`)), choice);
        const want = EXPECTED_332[name]!;
        // `ended`: the screen shows how the last turn ended (finished, interrupted, an error), which decides idle mid-turn.
        const seen = (x: Partial<ScreenReading>) => ({
          name,
          state: x.state,
          ended: !!(x.turnFinished || x.interrupted || x.error),
          dialog: x.dialog?.kind,
          title: x.dialog?.title,
          tool: x.dialog?.tool,
        });
        expect(seen(r)).toEqual(seen(want));
        expect([r.dialog?.command, r.dialog?.file, r.dialog?.url]).toEqual([undefined, undefined, undefined]);
      }
    });
  }
});

// ---------- choosing the rule set ----------

describe('rule sets by version', () => {
  it('orders versions by number, part by part', () => {
    expect(compareVersions('2.1.99', '2.1.197')).toBe(-1);
    expect(compareVersions('2.1.332', '2.1.332')).toBe(0);
    expect(compareVersions('2.2.0', '2.1.400')).toBe(1);
    expect(CLAUDE_RULE_SETS.map((r) => r.version)).toEqual(['2.1.197', '2.1.332']);
  });

  it('uses the newest set serving the running version, exact only where verified', () => {
    expect(rulesFor('2.1.197')).toMatchObject({ rules: CLAUDE_2_1_197, rulesExact: true, agentVersion: '2.1.197' });
    expect(rulesFor('2.1.332')).toMatchObject({ rules: CLAUDE_2_1_332, rulesExact: true });
    const between = rulesFor('2.1.220');
    expect(between).toMatchObject({ rules: CLAUDE_2_1_197, rulesExact: false });
    expect(between.note).toBe('rules 2.1.197, running 2.1.220 (between rule sets 2.1.197 and 2.1.332, not verified)');
    // From 2.1.239 on releases draw as 2.1.332 does (captures compared above).
    const drawnAs332 = rulesFor('2.1.250');
    expect(drawnAs332).toMatchObject({ rules: CLAUDE_2_1_332, rulesExact: false });
    expect(drawnAs332.note).toBe('rules 2.1.332, running 2.1.250 (drawn as 2.1.332 draws since 2.1.239, not verified)');
    expect(rulesFor('2.1.238').rules).toBe(CLAUDE_2_1_197);
    expect(rulesFor('2.1.239').rules).toBe(CLAUDE_2_1_332);
  });

  it('says so when the running version is newer than every set, older, or not known', () => {
    const newer = rulesFor('2.1.400');
    expect(newer).toMatchObject({ rules: CLAUDE_2_1_332, rulesExact: false, agentVersion: '2.1.400' });
    expect(newer.note).toBe('rules 2.1.332, running 2.1.400 (newer than every rule set)');
    expect(rulesFor('2.0.1')).toMatchObject({ rules: CLAUDE_2_1_197, rulesExact: false });
    expect(rulesFor(undefined)).toMatchObject({ rules: CLAUDE_2_1_332, rulesExact: false, note: 'rules 2.1.332, Claude Code version not known' });
  });

  it('asks the real binaries for their version, and gets nothing from a command that is not Claude Code', async () => {
    for (const [version, bin] of Object.entries(CLAUDE_RELEASES)) {
      if (existsSync(bin)) expect(await claudeVersion(bin)).toBe(version);
    }
    expect(await claudeVersion('/bin/false')).toBeUndefined();
    expect(await claudeVersion('/nonexistent/claude')).toBeUndefined();
  });
});
