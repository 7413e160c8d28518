import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { answerKeys, approveKeys, rejectKeys } from '../../src/agents/claude/dialog-keys.js';
import { detectClaudeScreen } from '../../src/agents/claude/detect.js';
import { looksLikeQuestion } from '../../src/agents/reading.js';
import type { Dialog, ScreenReading } from '../../src/agents/types.js';
import { renderAnsi, TerminalScreen } from '../../src/terminal/screen.js';
import { failure } from '../helpers/errors.js';

/** Captures of the real Claude Code 2.1.197 at 200x50: 01-32 from the first study, 40+ from test/fakes. */
const SHARED = '/work/shared/fixtures/claude-code-2.1.197/screens';
const LOCAL = fileURLToPath(new URL('../fixtures/claude-code-2.1.197/screens', import.meta.url));

/** Every capture: the `.ansi` one when there is one (colours included), else the plain `.txt`. */
function fixtureFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of [SHARED, LOCAL]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const m = /^(\d\d-.+)\.(ansi|txt)$/u.exec(name);
      if (!m) continue;
      if (m[2] === 'txt' && existsSync(join(dir, `${m[1]}.ansi`))) continue;
      files.set(m[1]!, join(dir, name));
    }
  }
  return files;
}

async function readFixture(path: string): Promise<string[]> {
  const screen = new TerminalScreen(200, 50);
  try {
    await screen.writeCapture(readFileSync(path, 'utf8'));
    // As the session observer reads Claude Code (its profile's inlineHints).
    return screen.lines({ withoutHints: true });
  } finally {
    screen.dispose();
  }
}

const BASH_OPTIONS = [
  { number: 1, label: 'Yes', selected: true },
  { number: 2, label: 'Yes, and always allow access to ccfix-work/ from this project', selected: false },
  { number: 3, label: 'No', selected: false },
];
const FILE_OPTIONS = [
  { number: 1, label: 'Yes', selected: true },
  { number: 2, label: 'Yes, allow all edits during this session (shift+tab)', selected: false },
  { number: 3, label: 'No', selected: false },
];

type Expected = Partial<ScreenReading> & Pick<ScreenReading, 'state'>;

/**
 * What each capture shows, as documented in FINDINGS.md §4 and test/fixtures/…/README.md.
 * Unlisted fields must be empty: inputText '', queued [], turnFinished/interrupted false, no
 * dialog, no error. lastAssistantText and permissionMode are checked where listed.
 */
const EXPECTED: Record<string, Expected> = {
  '01-startup-idle': { state: 'idle', permissionMode: 'default' },
  '02-reply-idle': { state: 'idle', turnFinished: true, lastAssistantText: 'OK: hello there' },
  '03-working-spinner': { state: 'working' },
  '04-working-6s': { state: 'working' },
  // The interrupted turn vanished, so the previous turn's "✻ … for 0s" is the last line again.
  '05-after-ctrl-c-input-restored': { state: 'idle', inputText: 'please do the slow task', turnFinished: true },
  '06-streaming': { state: 'working' },
  '07-after-esc-interrupt': {
    state: 'idle',
    interrupted: true,
    lastAssistantText: 'This reply is streamed very slowly, four characters at a tim',
  },
  '08-permission-bash': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Bash command',
      question: 'Do you want to proceed?',
      options: BASH_OPTIONS,
      tool: 'Bash',
      command: 'echo hello > out.txt',
    },
  },
  '09-after-approve-0.4s': { state: 'idle', turnFinished: true, lastAssistantText: 'Done. Tool result was: (Bash completed with no output)' },
  '10-after-approve-done': { state: 'idle', turnFinished: true },
  '11-after-reject': { state: 'idle', interrupted: true },
  '12-permission-bash-sleep': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Bash command',
      question: 'Do you want to proceed?',
      options: BASH_OPTIONS,
      tool: 'Bash',
      command: 'sleep 20 && echo slept > slept.txt',
    },
  },
  '13-tool-running': { state: 'working', lastAssistantText: 'Running a slow command.' },
  '14-queued-message-while-working': { state: 'working', queued: ['hello while busy'] },
  '15-after-queued-message': { state: 'idle', turnFinished: true },
  '16-plain-text-question': {
    state: 'idle',
    turnFinished: true,
    lastAssistantText: 'Before I start: which colour should the button be, red or blue?',
  },
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
  '18-after-askuserquestion-answer': { state: 'idle', turnFinished: true },
  // The error is drawn like a message but is not one.
  '21-api-error-400': { state: 'idle', turnFinished: true, error: 'API Error: 400 fake bad request', lastAssistantText: undefined },
  '22-api-error-retrying': { state: 'working', error: 'API error · Retrying in 1s · attempt 1/10' },
  // The API error of an earlier turn is history, not the state.
  '23-after-reject-esc': { state: 'idle', interrupted: true },
  '24-ctrl-c-once-press-again': { state: 'idle', interrupted: true, permissionMode: undefined },
  '25-after-exit': { state: 'exited', interrupted: true },
  '30-dialog-trust-folder': {
    state: 'permission_prompt',
    dialog: {
      kind: 'setup',
      title: 'Accessing workspace:',
      question: 'Is this a project you created or one you trust?',
      options: [
        { number: 1, label: 'Yes, I trust this folder', selected: true },
        { number: 2, label: 'No, exit', selected: false },
      ],
      file: '/home/dev/p2',
    },
  },
  '31-dialog-api-key': {
    state: 'permission_prompt',
    dialog: {
      kind: 'setup',
      title: 'Detected a custom API key in your environment',
      question: 'Do you want to use this API key?',
      options: [
        { number: 1, label: 'Yes', selected: false },
        { number: 2, label: 'No (recommended)', selected: true },
      ],
    },
  },
  '32-onboarding-no-config': { state: 'error', error: 'Unable to connect to Anthropic services · Failed to connect to api.anthropic.com: ENOTFOUND' },
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
      url: 'http://127.0.0.1:37521/docs/page.html',
    },
  },
  '43-permission-mcp': {
    state: 'permission_prompt',
    dialog: {
      kind: 'permission',
      title: 'Tool use',
      question: 'Do you want to proceed?',
      options: [
        { number: 1, label: 'Yes', selected: true },
        { number: 2, label: "Yes, and don't ask again for echo - echo commands in /tmp/aegis-fixtures-dkuOcQ/proj", selected: false },
        { number: 3, label: 'No', selected: false },
      ],
      tool: 'mcp__echo__echo',
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
  '46-after-reject-edit': { state: 'idle', interrupted: true, permissionMode: 'default' },
  '47-after-reject-webfetch': { state: 'idle', interrupted: true },
  '48-idle-accept-edits-mode': { state: 'idle', turnFinished: true, permissionMode: 'acceptEdits' },
  '49-idle-plan-mode': { state: 'idle', permissionMode: 'plan' },
  '50-idle-auto-mode': { state: 'idle', turnFinished: true, permissionMode: 'auto' },
  '51-compacting': { state: 'compacting' },
  '52-after-compact': { state: 'idle' },
  '53-after-plan-approved': { state: 'idle', turnFinished: true, permissionMode: 'default' },
  '54-plan-exit-no-plan-file': {
    state: 'plan',
    dialog: {
      kind: 'plan',
      title: 'Exit plan mode?',
      question: 'Claude wants to exit plan mode',
      options: [
        { number: 1, label: 'Yes', selected: true },
        { number: 2, label: 'No', selected: false },
      ],
      tool: 'ExitPlanMode',
    },
  },
  '55-after-plan-exit-rejected': { state: 'idle', interrupted: true, permissionMode: 'plan' },
  // `run /comp` typed; 2.1.197 draws the completion `act` inline (inverse `a`, dim `ct`). Enter sends `run /comp`.
  '60-inline-completion': { state: 'idle', inputText: 'run /comp' },
  // `please check\n/stat` pasted: the completion `us` (inverse `u`, dim `s`) follows the caret on the second line.
  '61-inline-completion-multiline': { state: 'idle', inputText: 'please check\n/stat' },
  // 190 x's and ` /comp`: no room for `act` on the row, so the cursor cell holds `a` and a dim `…` ends the row.
  '62-inline-completion-cut': { state: 'idle', inputText: `${'x'.repeat(190)} /comp` },
};

const FIXTURES = fixtureFiles();

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

describe('detectClaudeScreen on captured Claude Code 2.1.197 screens', () => {
  it('has an expectation for every capture (a new capture must be added to the table)', () => {
    expect(FIXTURES.size).toBeGreaterThanOrEqual(26);
    expect([...FIXTURES.keys()].filter((name) => !(name in EXPECTED))).toEqual([]);
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it.skipIf(!FIXTURES.has(name))(`${name} → ${expected.state}`, async () => {
      expectReading(detectClaudeScreen(await readFixture(FIXTURES.get(name)!)), expected);
    });
  }

  it('reads the plain-text question of 16 as a question and the finished reply of 02 as none', async () => {
    const question = detectClaudeScreen(await readFixture(FIXTURES.get('16-plain-text-question')!));
    const reply = detectClaudeScreen(await readFixture(FIXTURES.get('02-reply-idle')!));
    expect(looksLikeQuestion(question.lastAssistantText!)).toBe(true);
    expect(looksLikeQuestion(reply.lastAssistantText!)).toBe(false);
  });

  it('reads the same state from the plain .txt capture as from the .ansi one', async () => {
    for (const name of ['08-permission-bash', '14-queued-message-while-working', '17-askuserquestion', '44-plan-approval']) {
      const ansi = FIXTURES.get(name);
      if (!ansi) continue;
      const txt = detectClaudeScreen(await readFixture(ansi.replace(/\.ansi$/u, '.txt')));
      expect(txt).toEqual(detectClaudeScreen(await readFixture(ansi)));
    }
  });
});

// ---------- synthetic screens for what no capture shows yet ----------

const RULE = '─'.repeat(200);
/** An idle/working screen around `conversation`: input box, footer. */
function withBox(conversation: string[], opts: { input?: string[]; footer?: string } = {}): string[] {
  return [...conversation, '', RULE, ...(opts.input ?? ['❯\u00a0']), RULE, opts.footer ?? '  ? for shortcuts · ← for agents'];
}

describe('detectClaudeScreen on synthetic screens', () => {
  it('reads a multi-line input and several queued prompts', () => {
    const r = detectClaudeScreen(
      withBox(['❯ build it', '', '✶ Pondering… (3s · ↓ 10 tokens)', '', '  ❯ first queued', '  ❯ second queued', '    on two lines'], {
        input: ['❯ line one', '  line two'],
        footer: '  esc to interrupt · ← for agents',
      }),
    );
    expect(r.state).toBe('working');
    expect(r.inputText).toBe('line one\nline two');
    expect(r.queued).toEqual(['first queued', 'second queued\non two lines']);
  });

  it('does not take a numbered list in a reply for a dialog, and keeps the list in the message', () => {
    const r = detectClaudeScreen(withBox(['❯ options?', '', '● Which one do you want?', '', '  1. Red', '  2. Blue', '', '✻ Baked for 2s']));
    expect(r.state).toBe('idle');
    expect(r.dialog).toBeUndefined();
    expect(r.lastAssistantText).toBe('Which one do you want?\n\n1. Red\n2. Blue');
    expect(looksLikeQuestion(r.lastAssistantText!)).toBe(true);
  });

  it('knows a permission dialog whose top rule has scrolled away by its key hints', () => {
    const r = detectClaudeScreen([
      '   line 40 of a long command',
      '   Describe it',
      '',
      ' Do you want to proceed?',
      ' ❯ 1. Yes',
      '   2. No',
      '',
      ' Esc to cancel · Tab to amend',
    ]);
    expect(r.state).toBe('permission_prompt');
    expect(r.dialog).toMatchObject({ kind: 'permission', question: 'Do you want to proceed?' });
    expect(r.dialog!.title).toBeUndefined();
  });

  it('reads a Read file dialog (file from the tool line) and a multi-line Bash command', () => {
    const read = detectClaudeScreen([
      '● Read(/etc/hosts)',
      '',
      RULE,
      ' Read file',
      '',
      '  Read(/etc/hosts)',
      '',
      ' Do you want to proceed?',
      ' ❯ 1. Yes',
      '   2. No',
    ]);
    expect(read.dialog).toMatchObject({ kind: 'permission', title: 'Read file', tool: 'Read', file: '/etc/hosts' });
    const bash = detectClaudeScreen([
      RULE,
      ' Bash command',
      '',
      '   for f in *; do',
      '     echo "$f"',
      '   done',
      '   List files',
      '',
      ' Do you want to proceed?',
      ' ❯ 1. Yes',
      '   2. No',
    ]);
    expect(bash.dialog).toMatchObject({ tool: 'Bash', command: 'for f in *; do\n  echo "$f"\ndone' });
  });

  it('reads rate limits: a 429 being retried and a usage limit at idle', () => {
    const retry = detectClaudeScreen(withBox(['❯ go', '', '✻ Rate limited · Retrying in 4s · attempt 2/10'], { footer: '  esc to interrupt' }));
    expect(retry).toMatchObject({ state: 'rate_limited', error: 'Rate limited · Retrying in 4s · attempt 2/10' });
    const limit = detectClaudeScreen(withBox(['❯ go', '', "● You've hit your session limit · resets 3pm"]));
    expect(limit).toMatchObject({ state: 'rate_limited', error: "You've hit your session limit · resets 3pm" });
  });

  it("reads tmux's remain-on-exit notice as exited, and a blank screen as unknown", () => {
    expect(detectClaudeScreen(['$ claude', 'Pane is dead (status 1, Sat Nov 21 20:00:00 2026)']).state).toBe('exited');
    expect(detectClaudeScreen([]).state).toBeNull();
    expect(detectClaudeScreen(['', '   ', '']).state).toBeNull();
  });

  it('reads an AskUserQuestion picker with several questions by its markers', () => {
    const r = detectClaudeScreen([
      '❯ ask me',
      RULE,
      '←  ☐ Colour  ☐ Size  ✔ Submit  →',
      '',
      'Which size?',
      '',
      '❯ 1. Small',
      '  2. Large',
      '  3. Type something.',
      '',
      'Enter to select · Tab/Arrow keys to navigate · Esc to cancel',
    ]);
    expect(r.state).toBe('asking');
    expect(r.dialog).toMatchObject({ kind: 'question', question: 'Which size?', tool: 'AskUserQuestion' });
  });
});

describe('looksLikeQuestion', () => {
  it.each([
    ['Which colour should the button be, red or blue?', true],
    ['Shall I go on? **', true],
    ['Do you want A or B?\n\n1. A\n2. B', true],
    ['Done. Is there anything else?', true],
    ['Is it red? I picked red.', false],
    ['Done.', false],
    ['', false],
  ])('%j → %s', (text, expected) => {
    expect(looksLikeQuestion(text)).toBe(expected);
  });
});

// ---------- keys ----------

async function fixtureDialog(name: string): Promise<Dialog> {
  const path = FIXTURES.get(name);
  if (!path) throw new Error(`fixture ${name} is missing`);
  const dialog = detectClaudeScreen(await readFixture(path)).dialog;
  if (!dialog) throw new Error(`fixture ${name} shows no dialog`);
  return dialog;
}

describe('dialog keys', () => {
  it('Bash: once = 1 (Yes), always = 2, reject = 3', async () => {
    const d = await fixtureDialog('08-permission-bash');
    expect(approveKeys(d, 'once')).toEqual({ keys: ['1'], label: 'Yes' });
    expect(approveKeys(d, 'always')).toEqual({ keys: ['2'], label: 'Yes, and always allow access to ccfix-work/ from this project' });
    expect(rejectKeys(d)).toEqual({ keys: ['3'], label: 'No' });
  });

  it.each(['40-permission-write', '41-permission-edit', '42-permission-webfetch', '43-permission-mcp', '45-permission-write-overwrite'])(
    '%s: once = 1, always = 2, reject = 3',
    async (name) => {
      if (!FIXTURES.has(name)) return;
      const d = await fixtureDialog(name);
      expect(approveKeys(d, 'once').keys).toEqual(['1']);
      expect(approveKeys(d, 'always').keys).toEqual(['2']);
      expect(rejectKeys(d).keys).toEqual(['3']);
    },
  );

  it('plan approval: once = manually approve edits, always = auto mode, reject = Escape, feedback typed into "Tell Claude what to change"', async () => {
    const d = await fixtureDialog('44-plan-approval');
    expect(approveKeys(d, 'once')).toEqual({ keys: ['2'], label: 'Yes, manually approve edits' });
    expect(approveKeys(d, 'always')).toEqual({ keys: ['1'], label: 'Yes, and use auto mode' });
    expect(rejectKeys(d)).toEqual({ keys: ['Escape'] });
    expect(answerKeys(d, 'split it into two steps')).toEqual({ keys: ['Down', 'Down'], text: 'split it into two steps', label: 'Tell Claude what to change' });
  });

  it('never picks an option that clears the context or bypasses permissions', () => {
    const d: Dialog = {
      kind: 'plan',
      question: 'Would you like to proceed?',
      options: [
        { number: 1, label: 'Yes, clear context (12% used) and bypass permissions', selected: true },
        { number: 2, label: 'Yes, and bypass permissions', selected: false },
        { number: 3, label: 'Yes, manually approve edits', selected: false },
      ],
    };
    expect(approveKeys(d, 'once').keys).toEqual(['3']);
    expect(failure(() => approveKeys(d, 'always')).field).toBe('scope');
  });

  it('a dialog without an "always" option refuses scope always and says what it offers', async () => {
    const d = await fixtureDialog('54-plan-exit-no-plan-file');
    expect(approveKeys(d, 'once').keys).toEqual(['1']);
    const err = failure(() => approveKeys(d, 'always'));
    expect(err.code).toBe('invalid_input');
    expect(err.field).toBe('scope');
    expect(err.message).toContain('1. Yes, 2. No');
    expect(rejectKeys(d).keys).toEqual(['2']);
  });

  it('setup dialogs: trust = 1, API key = 1 even though No is preselected', async () => {
    const trust = await fixtureDialog('30-dialog-trust-folder');
    expect(approveKeys(trust, 'once').keys).toEqual(['1']);
    expect(rejectKeys(trust)).toEqual({ keys: ['2'], label: 'No, exit' });
    const key = await fixtureDialog('31-dialog-api-key');
    expect(approveKeys(key, 'once').keys).toEqual(['1']);
    expect(rejectKeys(key).keys).toEqual(['2']);
  });

  it('AskUserQuestion: by number, label, unique prefix, or free text through "Type something."', async () => {
    const d = await fixtureDialog('17-askuserquestion');
    expect(answerKeys(d, 2)).toEqual({ keys: ['2'], label: 'Blue' });
    expect(answerKeys(d, '2')).toEqual({ keys: ['2'], label: 'Blue' });
    expect(answerKeys(d, 'BLUE')).toEqual({ keys: ['2'], label: 'Blue' });
    expect(answerKeys(d, 're')).toEqual({ keys: ['1'], label: 'Red' });
    expect(answerKeys(d, 'chat')).toEqual({ keys: ['4'], label: 'Chat about this' });
    expect(answerKeys(d, ' green ')).toEqual({ keys: ['Down', 'Down'], text: 'green', label: 'Type something.' });
    expect(rejectKeys(d)).toEqual({ keys: ['Escape'] });
    expect(failure(() => approveKeys(d, 'once')).field).toBe('id');
    expect(failure(() => answerKeys(d, 7)).field).toBe('choice');
    expect(failure(() => answerKeys(d, '  ')).field).toBe('choice');
  });

  it('refuses an ambiguous prefix and free text where the dialog takes none', async () => {
    const d: Dialog = {
      kind: 'question',
      question: 'Which?',
      options: [
        { number: 1, label: 'Red', selected: true },
        { number: 2, label: 'Reddish', selected: false },
      ],
    };
    expect(answerKeys(d, 'red').keys).toEqual(['1']);
    expect(failure(() => answerKeys(d, 're')).message).toContain('several options');
    expect(failure(() => answerKeys(d, 'green')).message).toContain('takes no typed answer');
  });

  it('moves with arrows from the selected option where no digit key exists', () => {
    const options = Array.from({ length: 12 }, (_, i) => ({ number: i + 1, label: `Option ${i + 1}`, selected: i === 2 }));
    const plan = answerKeys({ kind: 'question', question: 'Pick', options }, 11);
    expect(plan.keys).toEqual([...Array(8).fill('Down'), 'Enter']);
  });
});

// ---------- the terminal screen ----------

describe('TerminalScreen', () => {
  it('renders a capture with bare \\n line ends row by row, where a raw write would not return to column 0', async () => {
    const screen = new TerminalScreen(20, 5);
    await screen.writeCapture('ab\ncd\n');
    expect(screen.lines()).toEqual(['ab', 'cd']);
    await screen.write('\x1b[H\x1b[2J' + 'ab\ncd');
    expect(screen.lines()).toEqual(['ab', '  cd']);
    screen.dispose();
  });

  it('a capture replaces what was on the screen and does not scroll a full screen', async () => {
    const screen = new TerminalScreen(10, 3);
    await screen.write('old old old\r\nold');
    await screen.writeCapture('one\ntwo\nthree\n');
    expect(screen.lines()).toEqual(['one', 'two', 'three']);
    screen.dispose();
  });

  it('counts wide characters once, right-trims rows (U+00A0 too) and drops empty rows at the end', async () => {
    const screen = new TerminalScreen(20, 6);
    await screen.write('中文x   \r\n❯\u00a0\r\n\r\n');
    expect(screen.lines()).toEqual(['中文x', '❯']);
    expect(screen.text()).toBe('中文x\n❯');
    expect(screen.cursor()).toEqual({ x: 0, y: 3 });
    screen.dispose();
  });

  it('keeps a UTF-8 character split across two raw chunks', async () => {
    const screen = new TerminalScreen(20, 2);
    const bytes = new TextEncoder().encode('❯ hi');
    await screen.write(bytes.subarray(0, 2));
    await screen.write(bytes.subarray(2));
    expect(screen.lines()).toEqual(['❯ hi']);
    screen.dispose();
  });

  it('resizes and resets', async () => {
    const screen = new TerminalScreen(20, 4);
    await screen.write('hello');
    screen.resize(40, 10);
    expect([screen.cols, screen.rows]).toEqual([40, 10]);
    expect(screen.lines()).toEqual(['hello']);
    screen.reset();
    expect(screen.lines()).toEqual([]);
    screen.dispose();
  });

  it('renderAnsi renders raw output and captures in one go', async () => {
    expect(await renderAnsi('\x1b[31mred\x1b[0m\r\n\x1b[2Cx', 10, 3)).toEqual(['red', '  x']);
    expect(await renderAnsi('a\nb\n', 10, 3, { asCapture: true })).toEqual(['a', 'b']);
  });
});
