import { readPaste } from '../paste-placeholder.js';
import { findLastRow, joinWrapped, trimmedScreen } from '../screen-lines.js';
import { DIALOG_STATE } from '../reading.js';
import { FOLDER_TRUST, type Dialog, type DialogOption, type ScreenReading } from '../types.js';
import { GEMINI_0_61_0, type GeminiScreenRules } from './screen-rules.js';

/**
 * Reads a Gemini CLI screen: a dialog (tool approval, folder trust, an `ask_user` question) first, then working (the
 * `esc to cancel` status line), then idle once the input box is drawn below its rule, else
 * starting (blank or still drawing). Typing before the box is drawn is lost (FINDINGS), so a
 * screen without the box never reads as idle.
 */
export function detectGeminiScreen(lines: string[], rules: GeminiScreenRules = GEMINI_0_61_0): ScreenReading {
  const screen = trimmedScreen(lines);

  // The trust dialog, answered, stays drawn while the CLI says it restarts, and after: the restarted CLI
  // draws below it. Until something is drawn there nothing is open to answer; then that is the screen.
  const restartAt = findLastRow(screen, (l) => rules.trustRestarting.test(l.trim()));
  if (restartAt >= 0) {
    const below = screen.slice(restartAt + 1);
    if (below.some((l) => l.trim() !== '')) return detectGeminiScreen(below, rules);
    if (readDialog(screen, rules)?.title === FOLDER_TRUST) return { state: 'starting', inputText: '', queued: [], turnFinished: false };
  }
  const dialog = readDialog(screen, rules);
  if (dialog) return { state: DIALOG_STATE[dialog.kind], dialog, inputText: '', queued: [], turnFinished: false };

  const separatorAt = findLastRow(screen, (l) => rules.separator.test(l));
  const isComposer = (l: string) => rules.composer.test(l) || rules.shellComposer.test(l);
  const composerAt = separatorAt < 0 ? -1 : findLastRow(screen, (l, i) => i > separatorAt && isComposer(l));
  const shell = composerAt >= 0 && rules.shellComposer.test(screen[composerAt]!);
  const conversation = screen.slice(0, separatorAt < 0 ? screen.length : separatorAt);
  const inputText = composerAt >= 0 ? composerText(screen, composerAt, rules) : '';
  const promptAt = findLastRow(conversation, (l) => rules.composer.test(l));
  // The status line shares its row with the `? for shortcuts` hint; the hint alone says nothing.
  const meaningful = (l: string) => l.trim() !== '' && l.trim() !== '? for shortcuts';
  const lastAt = findLastRow(conversation, meaningful);
  const tail = lastAt >= 0 ? conversation[lastAt]!.trim() : '';
  const working = rules.working.test(tail);
  const errorAt = findLastRow(conversation, (l) => rules.errorLine.test(l));
  const base = {
    inputText,
    ...(shell ? { inputMode: 'shell' as const } : {}),
    inputPaste: readPaste(inputText, rules.pastePlaceholder),
    ...(inputText.split('\n').length >= rules.composerRows ? { inputTail: true } : {}),
    queued: queuedPrompts(conversation, promptAt, rules),
    // Gemini CLI draws no "turn finished" line.
    turnFinished: false,
    interrupted: rules.interrupted.test(tail),
    lastAssistantText: lastAssistant(conversation, promptAt, rules),
    error: errorAt > promptAt ? rules.errorLine.exec(conversation[errorAt]!)![1] : undefined,
    lastAnswer: lastAnswer(conversation, promptAt, rules),
  };
  if (working) return { ...base, state: 'working' };
  if (composerAt < 0) return { ...base, state: null };
  return { ...base, state: 'idle' };
}

/** The box's text: the `>` line and its indented continuation lines (blank lines inside kept). */
function composerText(screen: string[], at: number, rules: GeminiScreenRules): string {
  const first = (rules.composer.exec(screen[at]!) ?? rules.shellComposer.exec(screen[at]!))?.[1] ?? '';
  if (rules.placeholder.test(first.trim())) return '';
  const out = [first];
  for (let i = at + 1; i < screen.length; i++) {
    const l = screen[i]!;
    if (l === '') out.push('');
    else if (rules.composerContinuation.test(l)) out.push(rules.composerContinuation.exec(l)![1]!);
    else break;
  }
  while (out.length && !out[out.length - 1]!.trim()) out.pop();
  return out.join('\n').trimEnd();
}

/** Prompts typed while busy: the indented lines under the "Queued" heading after the last prompt. */
function queuedPrompts(conversation: string[], promptAt: number, rules: GeminiScreenRules): string[] {
  const at = findLastRow(conversation, (l, i) => i > promptAt && rules.queuedHeading.test(l));
  if (at < 0) return [];
  const out: string[] = [];
  for (let i = at + 1; i < conversation.length; i++) {
    const m = rules.queuedItem.exec(conversation[i]!);
    if (!m) break;
    out.push(m[1]!);
  }
  return out;
}

/** The last model message after the last prompt: a `✦` line and its two-space continuation lines. */
function lastAssistant(conversation: string[], promptAt: number, rules: GeminiScreenRules): string | undefined {
  const at = findLastRow(conversation, (l, i) => i > promptAt && rules.assistantLine.test(l));
  if (at < 0) return undefined;
  const out = [rules.assistantLine.exec(conversation[at]!)![1]!];
  for (let i = at + 1; i < conversation.length && /^ {2}\S/.test(conversation[i]!) && !rules.queuedHeading.test(conversation[i]!); i++)
    out.push(conversation[i]!.slice(2));
  return out.join('\n');
}

/** The last `User answered:` box after the last prompt, its lines joined (`Choice → Africa`). */
function lastAnswer(conversation: string[], promptAt: number, rules: GeminiScreenRules): string | undefined {
  const inner = conversation.map((l) => unbox(l, rules).trim());
  const at = findLastRow(inner, (l, i) => i > promptAt && rules.question.answeredHeading.test(l));
  if (at < 0) return undefined;
  const out: string[] = [];
  for (let i = at + 1; i < inner.length && rules.question.answeredLine.test(inner[i]!); i++) out.push(inner[i]!);
  return out.length ? out.join('; ') : undefined;
}

/** A dialog's lines without the box frame; lines outside a box stay as they are. */
const unbox = (l: string, rules: GeminiScreenRules): string => rules.boxLine.exec(l)?.[1]?.trimEnd() ?? l.trim();

function readDialog(screen: string[], rules: GeminiScreenRules): Dialog | undefined {
  const inner = screen.map((l) => unbox(l, rules));
  const asked = readQuestion(inner, rules);
  if (asked) return asked;
  const at = findLastRow(inner, (l) => rules.approvalQuestion.test(l) || rules.trustQuestion.test(l));
  if (at < 0) return undefined;
  const options: DialogOption[] = [];
  for (const l of inner.slice(at + 1)) {
    const m = rules.option.exec(l);
    if (m) options.push({ number: Number(m[2]), label: m[3]!.trim(), selected: !!m[1] });
  }
  // Options are the dialog's last lines: without them it is still drawing (or gone).
  if (!options.length) return undefined;
  const question = inner[at]!;
  if (rules.trustQuestion.test(question)) return { kind: 'setup', title: FOLDER_TRUST, question, options };
  const headingAt = findLastRow(inner.slice(0, at), (l) => rules.toolHeading.test(l));
  const heading = headingAt >= 0 ? rules.toolHeading.exec(inner[headingAt]!) : null;
  const dialog: Dialog = { kind: 'permission', question, options };
  if (!heading) return dialog;
  const [, label, what] = heading as unknown as [string, string, string];
  dialog.title = label;
  const known = rules.tools[label];
  if (!known) return { ...dialog, toolLabel: label };
  dialog.tool = known.tool;
  if (known.target === 'command') dialog.command = boxedCommand(inner.slice(headingAt + 1, at), rules) ?? what.trim();
  else dialog.file = known.file?.exec(what.trim())?.[1];
  return dialog;
}

/**
 * The command in the dialog's inner box, its wrapped rows joined (Gemini CLI wraps at spaces) and its
 * own line breaks kept (screen-lines.ts joinWrapped). The heading beside `? Shell` is not it: for a
 * long command it shows the call's description, the model's own words (`Runs the command the user
 * asked for.`), which a phone once showed as the command.
 */
function boxedCommand(lines: string[], rules: GeminiScreenRules): string | undefined {
  const top = lines.findIndex((l) => /^╭─+╮$/u.test(l));
  const bottom = lines.findIndex((l, i) => i > top && /^╰─+╯$/u.test(l));
  if (top < 0 || bottom < 0) return undefined;
  // The box's rows hold `│ ` + text + ` │`.
  const rows = lines.slice(top + 1, bottom).map((l) => unbox(l, rules).trim());
  return joinWrapped(rows, lines[top]!.length - 4).trim() || undefined;
}

/**
 * The `ask_user` dialog: heading, question, then options (a `choice` or `yesno` question; description
 * lines under each are indented, not numbered) or a text field (a `text` question), then its footer,
 * which must be the last thing drawn (an older dialog scrolled up is history). Every such dialog takes
 * a typed answer: a `text` question's field, or the "Other" entry a list always ends with. A
 * multi-select list says so in a hint line and draws a checkbox per option; several questions draw a
 * tab row under the heading and end on a review page. Entries outside the list's 3-item window
 * are not drawn, so the reading says only that there are more (FINDINGS "Question dialog").
 */
function readQuestion(inner: string[], rules: GeminiScreenRules): Dialog | undefined {
  const q = rules.question;
  const at = findLastRow(inner, (l) => q.title.test(l));
  if (at < 0) return undefined;
  const footerAt = findLastRow(inner, (l, i) => i > at && q.footer.test(l));
  // Without its footer the dialog is still drawing; anything drawn below it means it is gone.
  if (footerAt < 0 || !inner.slice(footerAt + 1).every((l) => l === '' || q.boxEnd.test(l))) return undefined;
  let body = inner.slice(at + 1, footerAt);
  const tabsAt = body.findIndex((l) => q.tabs.test(l));
  const questions = tabsAt < 0 ? undefined : readTabs(body[tabsAt]!, rules);
  if (tabsAt >= 0) body = body.slice(tabsAt + 1);
  const dialog: Dialog = { kind: 'question', title: inner[at]!, question: '', options: [], tool: 'ask_user', freeText: true };
  const reviewAt = body.findIndex((l) => q.reviewHeading.test(l));
  if (questions && reviewAt >= 0) {
    // The review page takes no option or text: only Enter, which sends every answer.
    const answers = body.slice(reviewAt).filter(Boolean);
    return { ...dialog, question: answers.join('\n'), freeText: false, typing: false, questions: { ...questions, review: true } };
  }
  const listAt = body.findIndex((l) => rules.option.test(l) || q.field.test(l) || q.scrollArrow.test(l));
  if (listAt < 0) return undefined;
  const multiSelect = body.slice(0, listAt).some((l) => q.multiHint.test(l));
  for (const l of body.slice(listAt)) {
    const m = rules.option.exec(l);
    if (m) dialog.options.push(readOption(Number(m[2]), m[3]!.trim(), !!m[1], multiSelect, rules));
    else if (q.field.test(l)) dialog.field ??= q.field.exec(l)![1]!.trim();
    // The arrows are drawn only when the list holds more entries than its 3-item window.
    else if (q.scrollArrow.test(l)) dialog.moreOptions = true;
    else if (multiSelect && q.submitRow.exec(l)?.[1] === '●') dialog.onSubmitRow = true;
  }
  dialog.question = body
    .slice(0, listAt)
    .filter((l) => !q.multiHint.test(l))
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ');
  dialog.typing = q.typingFooter.test(inner[footerAt]!);
  if (multiSelect) {
    dialog.multiSelect = true;
    dialog.onSubmitRow ??= false;
  }
  if (questions) dialog.questions = questions;
  return dialog;
}

/** An option line's parts; in a multi-select list the label starts with its checkbox. */
function readOption(number: number, text: string, selected: boolean, multiSelect: boolean, rules: GeminiScreenRules): DialogOption {
  const box = multiSelect ? rules.question.checkbox.exec(text) : null;
  if (!box) return { number, label: text, selected };
  return { number, label: box[2]!.trim(), selected, checked: box[1] === 'x' };
}

/** The tab row of several questions: how many questions (the review tab aside) and how many are answered. */
function readTabs(row: string, rules: GeminiScreenRules): NonNullable<Dialog['questions']> {
  const tabs = rules.question.tabs
    .exec(row)![1]!
    .split(' │ ')
    .map((t) => rules.question.tab.exec(t.trim())?.[1]);
  const asked = tabs.filter((mark) => mark === '□' || mark === '✓');
  return { count: asked.length, answered: asked.filter((mark) => mark === '✓').length, review: false };
}
