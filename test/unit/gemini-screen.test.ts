import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TranscriptReader } from '../../src/agents/claude/transcript.js';
import { detectGeminiScreen } from '../../src/agents/gemini/detect.js';
import { geminiAnswerKeys, geminiApproveKeys, geminiRejectKeys } from '../../src/agents/gemini/dialog-keys.js';
import { GEMINI_0_61_0, geminiRulesFor } from '../../src/agents/gemini/screen-rules.js';
import { geminiEntryEffect } from '../../src/agents/gemini/session-log.js';
import { boxHolds } from '../../src/terminal/typed-text.js';
import { plainText } from '../../src/channels/format.js';
import { permissionNotice, pickerNotice } from '../../src/messaging/notifications/notices.js';
import type { SessionRecord } from '../../src/sessions/index.js';
import { ROOT } from '../helpers/env.js';
import type { AegisError } from '../../src/errors.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'gemini-cli-0.61.0');
const screen = (name: string) => readFileSync(join(FIXTURES, 'screens', `${name}.txt`), 'utf8').split('\n');

describe('Gemini CLI 0.61.0 screens (real captures)', () => {
  it('a blank screen says nothing; idle once the input box is drawn, empty behind its placeholder', () => {
    expect(detectGeminiScreen(screen('starting-blank')).state).toBeNull();
    const r = detectGeminiScreen(screen('idle'));
    expect(r).toMatchObject({ state: 'idle', inputText: '', queued: [], interrupted: false });
    expect(r.error).toBeUndefined();
  });

  it('working while the status line says esc to cancel, with prompts queued meanwhile', () => {
    expect(detectGeminiScreen(screen('working')).state).toBe('working');
    expect(detectGeminiScreen(screen('working-after-approve')).state).toBe('working');
    const q = detectGeminiScreen(screen('working-queued'));
    expect(q).toMatchObject({ state: 'working', queued: ['queued msg'] });
    // The hint alone (no status line) is not work.
    const hinted = screen('working').map((l) => l.replace(/⠇ Thinking\.\.\. \(esc to cancel, 2s\)/, ''));
    expect(detectGeminiScreen(hinted).state).toBe('idle');
  });

  it('shell approval: the command, least-privilege approve, reject with Esc', () => {
    const r = detectGeminiScreen(screen('shell-approval'));
    expect(r.state).toBe('permission_prompt');
    expect(r.dialog).toMatchObject({
      kind: 'permission',
      title: 'Shell',
      tool: 'run_shell_command',
      command: 'echo hi > witness.txt',
      question: 'Allow execution of [Shell]?',
    });
    expect(r.dialog!.options.map((o) => [o.number, o.label, o.selected])).toEqual([
      [1, 'Allow once', true],
      [2, 'Allow for this session', false],
      [3, 'No, suggest changes (esc)', false],
    ]);
    expect(geminiApproveKeys(r.dialog!, 'once')).toEqual({ keys: ['Enter'], label: 'Allow once' });
    expect(geminiApproveKeys(r.dialog!, 'always')).toEqual({ keys: ['2'], label: 'Allow for this session' });
    expect(geminiRejectKeys(r.dialog!).keys).toEqual(['Escape']);
    expect(geminiAnswerKeys(r.dialog!, 'allow for').keys).toEqual(['2']);
    expect(() => geminiAnswerKeys(r.dialog!, 'maybe')).toThrow(/not one of the options/);
  });

  it('file approvals: write_file and replace name their file', () => {
    const w = detectGeminiScreen(screen('write-approval'));
    expect(w.dialog).toMatchObject({ kind: 'permission', tool: 'write_file', file: 'notes.txt', question: 'Apply this change?' });
    expect(w.dialog!.options).toHaveLength(4);
    expect(geminiApproveKeys(w.dialog!, 'once').keys).toEqual(['Enter']);
    // Not under the cursor: its digit.
    const moved = { ...w.dialog!, options: w.dialog!.options.map((o) => ({ ...o, selected: o.number === 2 })) };
    expect(geminiApproveKeys(moved, 'once').keys).toEqual(['1']);
    expect(geminiRejectKeys(w.dialog!)).toEqual({ keys: ['Escape'], label: 'No, suggest changes (esc)' });
    const e = detectGeminiScreen(screen('edit-approval'));
    expect(e.dialog).toMatchObject({ tool: 'replace', file: 'e.txt', title: 'Edit' });
  });

  it('the folder trust dialog is a setup dialog: approve trusts the folder itself (never its parent), reject does not trust', () => {
    const r = detectGeminiScreen(screen('trust-dialog'));
    expect(r.dialog).toMatchObject({ kind: 'setup', title: 'Folder trust', question: 'Do you trust the files in this folder?' });
    expect(r.dialog!.options.map((o) => o.label)).toEqual(['Trust folder (untrusted)', 'Trust parent folder (gp)', "Don't trust"]);
    for (const scope of ['once', 'always'] as const)
      expect(geminiApproveKeys(r.dialog!, scope)).toEqual({ keys: ['Enter'], label: 'Trust folder (untrusted)', trustsWorkDir: true });
    expect(geminiAnswerKeys(r.dialog!, 2)).toEqual({ keys: ['2'], label: 'Trust parent folder (gp)' });
    expect(geminiRejectKeys(r.dialog!)).toEqual({ keys: ['3'], label: "Don't trust" });
  });

  it('the trust dialog still drawn under "restarting to apply the trust changes" is answered: starting, no dialog', () => {
    // Gemini CLI 0.61.0 keeps the box drawn, sometimes for longer than an answer waits, once Trust folder is taken.
    const r = detectGeminiScreen(screen('trust-restarting'));
    expect(r.dialog).toBeUndefined();
    expect(r.state).toBe('starting');
  });

  it('once restarted, the CLI draws below the answered trust dialog, which stays on the screen: read below its "restarting" line', () => {
    // Captured in the untrusted-folder test on a loaded machine: read as starting, the session never took its queued prompt.
    const r = detectGeminiScreen(screen('trust-restarted'));
    expect(r.dialog).toBeUndefined();
    expect(r).toMatchObject({ state: 'idle', inputText: '' });
  });

  it('ask_user choice question: asking with the question and the options drawn; digits pick, other text goes to the "Other" entry', () => {
    const r = detectGeminiScreen(screen('question-choice'));
    expect(r.state).toBe('asking');
    expect(r.dialog).toMatchObject({
      kind: 'question',
      title: 'Answer Questions',
      question: 'Which colour should the button be?',
      tool: 'ask_user',
      freeText: true,
      typing: false,
    });
    // The "Other" entry (4) is scrolled out of the 3-item window; description lines are not options.
    expect(r.dialog!.options.map((o) => [o.number, o.label, o.selected])).toEqual([
      [1, 'Red', true],
      [2, 'Green', false],
      [3, 'Blue', false],
    ]);
    expect(geminiAnswerKeys(r.dialog!, 1)).toEqual({ keys: ['Enter'], label: 'Red' });
    expect(geminiAnswerKeys(r.dialog!, 'green')).toEqual({ keys: ['2'], label: 'Green' });
    expect(geminiAnswerKeys(r.dialog!, 'Bl')).toEqual({ keys: ['3'], label: 'Blue' });
    // From option 1 one Up wraps to the last item, the "Other" entry; the text is typed there.
    expect(geminiAnswerKeys(r.dialog!, ' Purple, please? ')).toEqual({ keys: ['Up'], text: 'Purple, please?', label: 'Purple, please?' });
    // The scroll arrows say more entries exist: 4 (here the "Other" entry) is named by its digit, unseen.
    expect(r.dialog!.moreOptions).toBe(true);
    expect(geminiAnswerKeys(r.dialog!, '4')).toMatchObject({ keys: ['4'], label: 'option 4', unseen: 4 });
    // No choice list holds more than 5 entries (4 options, then "Other").
    expect(() => geminiAnswerKeys(r.dialog!, '6')).toThrow(/shows no option 6/);
    expect(() => geminiAnswerKeys(r.dialog!, '  ')).toThrow(/empty/);
    expect(() => geminiApproveKeys(r.dialog!, 'once')).toThrow(/not a tool approval/);
    // Esc dismisses it (no "No" option).
    expect(geminiRejectKeys(r.dialog!).keys).toEqual(['Escape']);
    // From option 3, three presses of Up reach the entry.
    expect(geminiAnswerKeys({ ...r.dialog!, options: r.dialog!.options.map((o) => ({ ...o, selected: o.number === 3 })) }, 'Purple').keys).toEqual([
      'Up',
      'Up',
      'Up',
    ]);
  });

  it('ask_user with 4 options: option 4 is not drawn, but its digit picks it; the reading and the notice say more exist; the answer shows on screen', () => {
    const r = detectGeminiScreen(screen('question-four-options'));
    expect(r.dialog).toMatchObject({ question: 'Which region should we deploy to?', typing: false, moreOptions: true });
    expect(r.dialog!.options.map((o) => o.label)).toEqual(['Europe', 'America', 'Asia']);
    expect(geminiAnswerKeys(r.dialog!, 4)).toEqual({ keys: ['4'], label: 'option 4', unseen: 4, leaveField: ['Down'] });
    expect(geminiAnswerKeys(r.dialog!, '5')).toMatchObject({ keys: ['5'], label: 'option 5', unseen: 5 });
    // A label not drawn is not known: it is typed into the "Other" entry, as any words are.
    expect(geminiAnswerKeys(r.dialog!, 'Africa')).toEqual({ keys: ['Up'], text: 'Africa', label: 'Africa' });
    const session = { id: 'g1', name: 'gem', agent: 'gemini' } as SessionRecord;
    const notice = plainText(pickerNotice(session, r.dialog!, 'k7').rich);
    expect(notice).toContain('3. Asia\n… more not shown: reply with the number (e.g. 4)');
    // Down scrolls the window (entries 2-4, then 3-5 with the cursor in the "Other" entry); the arrows stay.
    const down3 = detectGeminiScreen(screen('question-four-options-down3'));
    expect(down3.dialog!.options.map((o) => [o.number, o.label, o.selected])).toEqual([
      [2, 'America', false],
      [3, 'Asia', false],
      [4, 'Africa', true],
    ]);
    expect(down3.dialog!.moreOptions).toBe(true);
    const down4 = detectGeminiScreen(screen('question-four-options-down4'));
    expect(down4.dialog).toMatchObject({ typing: true, moreOptions: true });
    expect(down4.dialog!.options.at(-1)).toEqual({ number: 5, label: 'Enter a custom value', selected: true });
    // There a digit would be typed into the field: refused, nothing pressed.
    expect(() => geminiAnswerKeys(down4.dialog!, '2')).toThrow(/digit 2 would be typed/);
    // A 3-option list: the digit of the hidden entry 4 only moves the cursor into the "Other" field.
    const digitOther = detectGeminiScreen(screen('question-choice-digit-other'));
    expect(digitOther.dialog).toMatchObject({ question: 'Pick a size?', typing: true });
    expect(digitOther.dialog!.options.at(-1)).toEqual({ number: 4, label: 'Enter a custom value', selected: true });
    // Picked, the dialog is gone and the conversation shows what was answered.
    const answered = detectGeminiScreen(screen('question-four-answered'));
    expect(answered).toMatchObject({ state: 'idle', lastAnswer: 'Choice → Africa' });
    expect(answered.dialog).toBeUndefined();
    // A list with every entry drawn says nothing of more.
    expect(detectGeminiScreen(screen('question-two-options')).dialog!.moreOptions).toBeUndefined();
  });

  it('ask_user multi-select with 4 options: option 4 is not drawn but can be ticked by number (visited first); labels stay refused unless drawn', () => {
    const r = detectGeminiScreen(screen('question-multi-four'));
    expect(r.dialog).toMatchObject({ multiSelect: true, moreOptions: true });
    expect(r.dialog!.options.map((o) => o.label)).toEqual(['Lint', 'Tests', 'Build']);
    expect(geminiAnswerKeys(r.dialog!, '1,4')).toEqual({ keys: [], tick: [1, 4], label: 'Lint, option 4', unseen: 4, leaveField: ['Down'] });
    expect(geminiAnswerKeys(r.dialog!, '4 2')).toMatchObject({ tick: [2, 4], label: 'Tests, option 4' });
    expect(() => geminiAnswerKeys(r.dialog!, '1,7')).toThrow(/"7" is not one of the options/);
    expect(() => geminiAnswerKeys(r.dialog!, 'Lint, Deploy')).toThrow(/"Deploy" is not one of the options/);
    // Its digit ticks it and scrolls it into view.
    const toggled = detectGeminiScreen(screen('question-multi-hidden-toggled'));
    expect(toggled.dialog!.options.at(-1)).toEqual({ number: 4, label: 'Deploy', selected: true, checked: true });
  });

  it('ask_user: the cursor on the "Other" entry reads as typing; typed text shows as its label; two options show the entry', () => {
    const other = detectGeminiScreen(screen('question-choice-other'));
    expect(other.dialog).toMatchObject({ question: 'Which colour should the button be?', typing: true });
    expect(other.dialog!.options.at(-1)).toEqual({ number: 4, label: 'Enter a custom value', selected: true });
    expect(geminiAnswerKeys(other.dialog!, 'Purple')).toEqual({ keys: [], text: 'Purple', label: 'Purple' });
    const typed = detectGeminiScreen(screen('question-choice-other-typed'));
    expect(typed.dialog).toMatchObject({ typing: true });
    expect(typed.dialog!.options.at(-1)!.label).toBe('Purple');
    const two = detectGeminiScreen(screen('question-two-options'));
    expect(two.dialog).toMatchObject({ question: 'Ship it now?', typing: false });
    expect(two.dialog!.options.map((o) => o.label)).toEqual(['Yes', 'Later', 'Enter a custom value']);
  });

  it('ask_user text question: no options, the cursor already in its field; answered and cancelled screens are idle', () => {
    const r = detectGeminiScreen(screen('question-text'));
    expect(r.state).toBe('asking');
    expect(r.dialog).toMatchObject({
      kind: 'question',
      question: 'What should the file be called?',
      options: [],
      typing: true,
      freeText: true,
      field: 'Type your answer',
    });
    expect(geminiAnswerKeys(r.dialog!, 'notes v2.txt')).toEqual({ keys: [], text: 'notes v2.txt', label: 'notes v2.txt' });
    // A number is a fine answer to a text question.
    expect(geminiAnswerKeys(r.dialog!, 42)).toMatchObject({ keys: [], text: '42' });
    // The field as drawn: an answer's Enter waits for it (src/sessions/dialog-answer.ts).
    expect(detectGeminiScreen(screen('question-text-typed'))).toMatchObject({ state: 'asking', dialog: { field: 'notes? v2.txt' } });
    expect(detectGeminiScreen(screen('question-answered'))).toMatchObject({ state: 'idle', lastAssistantText: 'ANSWERED: {"answers":{"0":"notes? v2.txt"}}' });
    expect(detectGeminiScreen(screen('question-cancelled'))).toMatchObject({ state: 'idle', interrupted: true });
    expect(detectGeminiScreen(screen('question-cancelled')).dialog).toBeUndefined();
  });

  it("a phone notice of an ask_user question says what the answer may be: a number or one's own words, or only words", () => {
    const session = { id: 'g1', name: 'gem', agent: 'gemini' } as SessionRecord;
    const notice = (name: string) => plainText(pickerNotice(session, detectGeminiScreen(screen(name)).dialog!, 'k7').rich);
    // Free text reaches the "Other" entry (session_answer types it), so the notice must not ask for a number only.
    expect(notice('question-choice')).toContain('Reply answer k7 <number, or your own answer>');
    expect(notice('question-choice')).toContain('Which colour should the button be?');
    expect(notice('question-text')).toContain('Reply answer k7 <your answer>');
  });

  it('ask_user yes/no question: drawn as a list Yes / No / Other; a number or label picks it', () => {
    const r = detectGeminiScreen(screen('question-yesno'));
    expect(r.state).toBe('asking');
    expect(r.dialog).toMatchObject({ kind: 'question', question: 'Should I delete the old logs', typing: false, freeText: true });
    expect(r.dialog!.multiSelect).toBeUndefined();
    expect(r.dialog!.options.map((o) => o.label)).toEqual(['Yes', 'No', 'Enter a custom value']);
    // "No" is not under the cursor: its digit (FINDINGS: `2` answered "No").
    expect(geminiAnswerKeys(r.dialog!, 'no')).toEqual({ keys: ['2'], label: 'No' });
    expect(geminiAnswerKeys(r.dialog!, 1)).toEqual({ keys: ['Enter'], label: 'Yes' });
  });

  it('ask_user multi-select: says several may be chosen, reads the ticks and the cursor on the Done row', () => {
    const r = detectGeminiScreen(screen('question-multi'));
    expect(r.dialog).toMatchObject({ kind: 'question', question: 'Which checks should run', multiSelect: true, onSubmitRow: false, typing: false });
    expect(r.dialog!.options).toEqual([
      { number: 1, label: 'Lint', selected: true, checked: false },
      { number: 2, label: 'Tests', selected: false, checked: false },
      { number: 3, label: 'Build', selected: false, checked: false },
    ]);
    const ticked = detectGeminiScreen(screen('question-multi-toggled')).dialog!;
    expect(ticked.options.filter((o) => o.checked).map((o) => o.label)).toEqual(['Lint', 'Build']);
    expect(ticked.options.find((o) => o.selected)?.label).toBe('Build');
    const done = detectGeminiScreen(screen('question-multi-done')).dialog!;
    expect(done).toMatchObject({ question: 'Which checks should run', onSubmitRow: true });
    expect(done.options.some((o) => o.selected)).toBe(false);
    expect(detectGeminiScreen(screen('question-multi-other')).dialog).toMatchObject({ typing: true, onSubmitRow: false });
  });

  it('ask_user multi-select answers: numbers or labels separated by commas become ticks; anything else is refused', () => {
    const d = detectGeminiScreen(screen('question-multi')).dialog!;
    expect(geminiAnswerKeys(d, '3, 1')).toEqual({ keys: [], tick: [1, 3], label: 'Lint, Build' });
    expect(geminiAnswerKeys(d, 'lint,Build,1')).toEqual({ keys: [], tick: [1, 3], label: 'Lint, Build' });
    expect(geminiAnswerKeys(d, 2)).toEqual({ keys: [], tick: [2], label: 'Tests' });
    expect(geminiAnswerKeys(d, ' 1 3 ')).toEqual({ keys: [], tick: [1, 3], label: 'Lint, Build' }); // as a phone types it
    // Never typed: text that names no option, an empty item, the "Other" entry.
    expect(() => geminiAnswerKeys(d, 'Lint, deploy')).toThrow(/"deploy" is not one of the options/);
    expect(() => geminiAnswerKeys(d, '1,,3')).toThrow(/empty item/);
    const refused = (() => {
      try {
        geminiAnswerKeys(d, 'deploy');
      } catch (err) {
        return err as AegisError;
      }
    })();
    expect(refused).toMatchObject({ field: 'choice', fix: expect.stringContaining('separated by commas (e.g. "1,3")') });
    const other = detectGeminiScreen(screen('question-multi-other')).dialog!;
    expect(() => geminiAnswerKeys(other, 5)).toThrow(/takes typed text/);
  });

  it('several ask_user questions: the tab row gives how many and how many are answered, not the question text', () => {
    const first = detectGeminiScreen(screen('question-many'));
    expect(first.state).toBe('asking');
    expect(first.dialog).toMatchObject({ question: 'Which database', questions: { count: 3, answered: 0, review: false }, typing: false });
    expect(first.dialog!.options.map((o) => o.label)).toEqual(['Postgres', 'SQLite', 'Enter a custom value']);
    expect(geminiAnswerKeys(first.dialog!, 'sqlite')).toEqual({ keys: ['2'], label: 'SQLite' });
    const second = detectGeminiScreen(screen('question-many-text')).dialog!;
    expect(second).toMatchObject({ question: 'Name the service', options: [], typing: true, questions: { count: 3, answered: 1, review: false } });
    expect(geminiAnswerKeys(second, 'billing api')).toEqual({ keys: [], text: 'billing api', label: 'billing api' });
  });

  it('the review page of several questions reads as asking, and takes only "submit" (Enter)', () => {
    const r = detectGeminiScreen(screen('question-many-review'));
    expect(r.state).toBe('asking');
    expect(r.dialog).toMatchObject({
      kind: 'question',
      question: 'Review your answers:\nQ1 → Postgres\nQ2 → billing api\nQ3 → Production',
      options: [],
      freeText: false,
      typing: false,
      questions: { count: 3, answered: 3, review: true },
    });
    expect(geminiAnswerKeys(r.dialog!, 'Submit')).toEqual({ keys: ['Enter'], label: 'submit' });
    expect(() => geminiAnswerKeys(r.dialog!, 'Postgres')).toThrow(expect.objectContaining({ field: 'choice', fix: expect.stringMatching(/^answer "submit"/) }));
    expect(detectGeminiScreen(screen('question-many-answered'))).toMatchObject({
      state: 'idle',
      lastAssistantText: 'ANSWERED: {"answers":{"0":"Postgres","1":"billing api","2":"Production"}}',
    });
  });

  it('the phone notice of these questions says how to answer them: several numbers, which of how many, submit', () => {
    const session = { id: 'g1', name: 'gem', agent: 'gemini' } as SessionRecord;
    const notice = (name: string) => pickerNotice(session, detectGeminiScreen(screen(name)).dialog!, 'k9');
    expect(plainText(notice('question-multi').rich)).toContain('(several may be chosen)');
    expect(plainText(notice('question-multi').rich)).toContain('Reply answer k9 <numbers, e.g. 1,3>');
    expect(plainText(notice('question-many-text').rich)).toContain('(one of 3 questions, 1 answered)');
    expect(plainText(notice('question-yesno').rich)).toContain('Reply answer k9 <number, or your own answer>');
    const review = notice('question-many-review');
    expect(plainText(review.rich)).toContain('Reply answer k9 submit');
    expect(review.buttons).toEqual([[{ label: '✅ Submit', data: 'answer k9 submit' }]]);
  });

  it("a phone notice of a Gemini approval offers 'approve always' by Gemini's own keys (Allow for this session)", () => {
    const session = { id: 'g1', name: 'gem', agent: 'gemini' } as SessionRecord;
    const n = permissionNotice(session, detectGeminiScreen(screen('shell-approval')).dialog!, 'k8');
    expect(plainText(n.rich)).toContain('approve k8 always');
    expect(n.buttons!.flat().map((b) => b.data)).toContain('approve k8 always');
  });

  it('after a refused tool or Esc the turn reads as interrupted; a later answer is not', () => {
    expect(detectGeminiScreen(screen('write-rejected'))).toMatchObject({ state: 'idle', interrupted: true });
    expect(detectGeminiScreen(screen('interrupted'))).toMatchObject({ state: 'idle', interrupted: false, lastAssistantText: 'ECHO: queued msg' });
  });

  it('the last answer, an API error, and a multi-line box', () => {
    expect(detectGeminiScreen(screen('ran-reply')).lastAssistantText).toMatch(/^RAN: <untrusted_context>/);
    const err = detectGeminiScreen(screen('api-error'));
    expect(err.state).toBe('idle');
    expect(err.error).toMatch(/^\[API Error: .*"code":400/);
    expect(detectGeminiScreen(screen('multiline-box')).inputText).toBe('line one\nline two\nline three');
    const sent = detectGeminiScreen(screen('multiline-sent'));
    expect(sent).toMatchObject({ inputText: '', lastAssistantText: 'ECHO: line one\nline two\nline three' });
  });

  it("a long paste drawn collapsed counts as the pasted text in the box when its size is the text's", () => {
    const drawn = (placeholder: string) =>
      detectGeminiScreen(screen('idle').map((l) => l.replace('>   Type your message or @path/to/file', `> ${placeholder}`)));
    const box = drawn('[Pasted Text: 7 lines]');
    expect(box).toMatchObject({ inputText: '[Pasted Text: 7 lines]', inputPaste: { lines: 7 } });
    expect(boxHolds(box, 'a\nb\nc\nd\ne\nf\ng')).toBe(true);
    // Another paste's placeholder (6 lines), or one beside typed text, is not this text.
    expect(boxHolds(box, 'a\nb\nc\nd\ne\nf')).toBe(false);
    expect(boxHolds(drawn('[Pasted Text: 7 lines] and more'), 'a\nb\nc\nd\ne\nf\ng')).toBe(false);
    expect(boxHolds(drawn('[Pasted Text: 600 chars #2]'), 'x'.repeat(600))).toBe(true);
    expect(boxHolds({ inputText: '' }, 'a\nb\nc\nd\ne\nf\ng')).toBe(false);
  });

  it('a long command is read from the dialog inner box, wrapped lines joined; the heading then shows the call description, not the command', () => {
    const r = detectGeminiScreen(screen('shell-approval-long-command'));
    expect(r.dialog).toMatchObject({
      kind: 'permission',
      tool: 'run_shell_command',
      command: `echo ${Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ')} > long-command.txt`,
    });
  });

  it('rule sets: an unknown or newer version gets the newest, a known one its own', () => {
    expect(geminiRulesFor('0.61.0')).toBe(GEMINI_0_61_0);
    expect(geminiRulesFor('0.99.1')).toBe(GEMINI_0_61_0);
    expect(geminiRulesFor(undefined)).toBe(GEMINI_0_61_0);
    expect(geminiRulesFor('0.1.0')).toBe(GEMINI_0_61_0);
  });
});

describe('Gemini CLI 0.61.0 chat log (real files)', () => {
  const read = (name: string) => {
    const reader = new TranscriptReader(join(FIXTURES, 'chats', `${name}.jsonl`), { effect: geminiEntryEffect, now: () => Date.now() + 60_000 });
    reader.refresh();
    return reader.read({ limit: 500 }).turns;
  };

  it('prompts, answers, tool calls with their results, cancels; the history rewrite is not listed twice', () => {
    const turns = read('tools-cancel-rewrite');
    const users = turns.filter((t) => t.role === 'user').map((t) => t.text);
    expect(users).toEqual([
      'RUN echo hi > witness.txt',
      'WRITE notes.txt hello world',
      'EDIT e.txt alpha gamma',
      'SLOW 20000 a long answer here',
      'queued msg',
      'line one\nline two\nline three',
    ]);
    const calls = turns.filter((t) => t.role === 'tool_call').map((t) => t.tool!.name);
    expect(calls).toEqual(['run_shell_command', 'write_file', 'replace']);
    const results = turns.filter((t) => t.role === 'tool_result').map((t) => t.result!.isError);
    expect(results).toEqual([false, true, false]);
    expect(turns.filter((t) => t.role === 'assistant' && t.text?.startsWith('RAN:'))).toHaveLength(1);
    expect(turns.filter((t) => t.interrupted).length).toBe(2);
    expect(turns.some((t) => t.text?.includes('<session_context>'))).toBe(false);
    expect(new Set(turns.map((t) => t.id)).size).toBe(turns.length);
  });

  it('an API error is an error turn', () => {
    const turns = read('api-error');
    expect(turns.map((t) => t.role)).toEqual(['user', 'error']);
    expect(turns[1]!.text).toMatch(/^\[API Error:/);
  });

  it('records it does not know mean nothing', () => {
    expect(geminiEntryEffect({ offset: 0, parentUuid: null, record: { $set: { lastUpdated: 'x' } } })).toEqual({ kind: 'none' });
    expect(geminiEntryEffect({ offset: 0, parentUuid: null, record: { type: 'gemini', content: [{ text: 'copy' }], tokens: null } })).toEqual({ kind: 'none' });
  });
});
