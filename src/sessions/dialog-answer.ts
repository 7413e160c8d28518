import type { KeyPlan } from '../agents/profile.js';
import type { Dialog } from '../agents/types.js';
import { AegisError, invalidInput } from '../errors.js';
import type { Observation } from './observer.js';

/**
 * How long one press may take to show. Claude Code redraws an answered dialog within ~0.4 s (2.1.197
 * and 2.1.332, measured with tmux); a dialog still drawn unchanged after this the key did not reach.
 */
const PRESS_SHOWS_MS = 1_000;
/** Presses of one key at most: 2.1.332 ignores keys for ~0.15 s after drawing a dialog (longer while its hooks run). */
const MAX_PRESSES = 3;
/** After the last press, how long the dialog may still take to go before the answer counts as failed. */
const LAST_WAIT_MS = 2_000;

export interface AnswerDeps {
  /** Sends tmux key names to the pane and asks the observer to look again. */
  press(keys: string[]): Promise<void>;
  /** Types text literally into the pane. */
  type(text: string): Promise<void>;
  /** The first observation that satisfies `pred` (the current one included), or undefined at the deadline. */
  until(pred: (o: Observation) => boolean, timeoutMs: number): Promise<Observation | undefined>;
  last(): Observation | undefined;
  /**
   * Whether the agent itself says it left the dialog since `since` (Claude Code's status file turns
   * from waiting to busy ~0.1 s after taking the key, before it redraws): then a key is never pressed
   * again, however slow the redraw.
   */
  leftDialogSince(since: number): boolean;
  /** A key was not taken and is pressed again (for the log). */
  onRepeat(keys: string[], press: number): void;
}

/**
 * Whether `a` is the dialog `b` as drawn on screen: the same kind, heading, question, subject and
 * options. Compared on screen readings only, so a hook correcting the command of the same box does
 * not make it "another dialog" (2.1.332 misreads a Bash command until its hook arrives).
 */
export function sameDialog(a: Dialog | undefined, b: Dialog): boolean {
  if (!a) return false;
  const labels = (d: Dialog) => d.options.map((o) => `${o.number}.${o.label}`).join('\n');
  return (
    a.kind === b.kind &&
    a.title === b.title &&
    a.question === b.question &&
    a.command === b.command &&
    a.file === b.file &&
    a.url === b.url &&
    a.questions?.answered === b.questions?.answered &&
    labels(a) === labels(b)
  );
}

/**
 * The same question still asked, whatever its options show (a typed answer redraws them). Of several
 * questions, Gemini marks one answered as soon as its field holds text, before Enter: the count
 * answered says nothing here.
 */
const sameQuestion = (a: Dialog | undefined, b: Dialog): boolean => !!a && a.kind === b.kind && a.question === b.question;
/** Whether the dialog draws the typed `text` (its start: a long answer wraps) in its field or as the "Other" entry's label. */
function showsTyped(d: Dialog | undefined, text: string): boolean {
  const flat = (s: string) => s.replace(/\s+/g, ' ').trim();
  const head = flat(text).slice(0, 24);
  return !!d && [d.field, ...d.options.map((o) => o.label)].some((shown) => shown !== undefined && flat(shown).includes(head));
}
const selectedOf = (d: Dialog | undefined): number | undefined => d?.options.find((o) => o.selected)?.number;
const isMove = (k: string) => k === 'Up' || k === 'Down';

/**
 * Answers the dialog `shown` (the screen's reading when the answer was asked for) with `plan`, and
 * resolves only once that dialog is gone from the screen. Claude Code may ignore keys for a moment
 * after it draws a dialog, so a key is pressed again, up to MAX_PRESSES times, but only while the very
 * same dialog is still drawn with the same option selected: a repeat can never answer the next dialog.
 * Cursor moves are confirmed by the selection reaching the option; typed text is never repeated.
 * Anything else is an AegisError('timeout'), never a success.
 */
export async function answerDialog(deps: AnswerDeps, shown: Dialog, plan: KeyPlan): Promise<Observation> {
  const stillShown = (o: Observation | undefined) => sameDialog(o?.reading.dialog, shown);
  const what = `the dialog "${shown.question}"`;
  const fix = 'look at the pane with session_pane (MCP) or `ag session pane`, then answer again';

  if (plan.tick) return tickAndSubmit(deps, shown, plan.tick, plan.leaveField, what, fix);
  // Of several questions, a repeated key that was only late lands on the next question and answers
  // it: there a key is pressed once, and one not seen to act is an error, never pressed again.
  const maxPresses = shown.questions ? 1 : MAX_PRESSES;
  if (plan.unseen !== undefined) return pickUnseen(deps, shown, plan, maxPresses, what, fix);
  const moves = plan.keys.filter(isMove);
  const finalKeys = plan.keys.filter((k) => !isMove(k));
  const target = shown.options.find((o) => o.label === plan.label)?.number;
  if (moves.length && target !== undefined) await moveTo(deps, shown, target, what, fix);

  if (plan.text !== undefined) {
    // A dialog whose reader says where the cursor is (Gemini's questions): its text field may be
    // scrolled out of view, so the moves are pressed once and the text is typed only once the screen
    // shows the cursor in the field; typing changes the drawn option, so "gone" is the question gone.
    const saysTyping = shown.typing !== undefined;
    if (saysTyping) {
      if (moves.length && target === undefined) await deps.press(moves);
      const inField = await deps.until((o) => o.reading.dialog?.typing === true && sameQuestion(o.reading.dialog, shown), PRESS_SHOWS_MS + LAST_WAIT_MS);
      if (!inField)
        throw new AegisError('timeout', `the cursor in ${what} did not reach its text field (keys: ${moves.join(' ') || 'none'}); nothing was typed`, { fix });
    }
    await deps.type(plan.text);
    // Enter waits until the screen draws the text (of several questions, until the tab row marks this
    // one answered): an Enter the CLI gets while it is still taking the text in is dropped, which a
    // loaded machine made happen three times in a row (CI). Bounded: a text too long to be drawn whole
    // still gets its Enter.
    const before = shown.questions?.answered;
    if (saysTyping)
      await deps.until(
        (o) =>
          !sameQuestion(o.reading.dialog, shown) ||
          (before !== undefined ? (o.reading.dialog?.questions?.answered ?? 0) > before : showsTyped(o.reading.dialog, plan.text!)),
        PRESS_SHOWS_MS + LAST_WAIT_MS,
      );
    await deps.press(['Enter']);
    const open = (o: Observation | undefined) => (saysTyping ? sameQuestion(o?.reading.dialog, shown) : stillShown(o));
    // Gemini CLI drops an Enter that follows typed text within a few ms (FINDINGS): while the same
    // question is still open with the cursor in its field, Enter is pressed again (the text is not).
    for (let press = 2; saysTyping && press <= maxPresses; press++) {
      if (await deps.until((o) => !open(o), PRESS_SHOWS_MS)) break;
      if (deps.last()?.reading.dialog?.typing !== true) break;
      deps.onRepeat(['Enter'], press);
      await deps.press(['Enter']);
    }
    const gone = await deps.until((o) => !open(o), PRESS_SHOWS_MS + LAST_WAIT_MS);
    if (!gone) throw new AegisError('timeout', `${what} was still open ${(PRESS_SHOWS_MS + LAST_WAIT_MS) / 1000} s after typing the answer and Enter`, { fix });
    return gone;
  }

  for (let press = 1; press <= maxPresses; press++) {
    const selected = selectedOf(deps.last()?.reading.dialog);
    if (press > 1) deps.onRepeat(finalKeys, press);
    const pressedAt = Date.now();
    await deps.press(finalKeys);
    const gone = await deps.until((o) => !stillShown(o), PRESS_SHOWS_MS);
    if (gone) return gone;
    const now = deps.last();
    // A digit that only moved the cursor onto its option (2.1.332 does this for "No", which can be
    // amended with Tab) is confirmed with Enter: the selection proves the key was taken for that option.
    if (stillShown(now) && target !== undefined && selected !== target && selectedOf(now?.reading.dialog) === target) {
      await deps.press(['Enter']);
      break;
    }
    // Something moved (the selection), or the agent says it is busy again: the key was taken; wait
    // for the redraw, never press again.
    if (!stillShown(now) || selectedOf(now?.reading.dialog) !== selected || deps.leftDialogSince(pressedAt)) break;
  }
  const gone = await deps.until((o) => !stillShown(o), LAST_WAIT_MS);
  if (gone) return gone;
  throw new AegisError(
    'timeout',
    `${what} is still open after pressing ${finalKeys.join(' ')} (up to ${maxPresses} times over ${(maxPresses * PRESS_SHOWS_MS + LAST_WAIT_MS) / 1000} s): the agent did not take the answer`,
    { fix },
  );
}

/**
 * An option outside the list's window, picked with its digit: the key scrolls the list, so the
 * dialog as drawn changes whether or not it answered. The answer counts only once the question is
 * gone; a digit that only took the cursor to an entry with a text field (Gemini's "Other", which
 * the number named) answered nothing, and says so. The digit is pressed again, like any other key,
 * only while the very same dialog is still drawn.
 */
async function pickUnseen(deps: AnswerDeps, shown: Dialog, plan: KeyPlan, maxPresses: number, what: string, fix: string): Promise<Observation> {
  const n = plan.unseen!;
  for (let press = 1; press <= maxPresses; press++) {
    if (press > 1) deps.onRepeat(plan.keys, press);
    const pressedAt = Date.now();
    await deps.press(plan.keys);
    if (await deps.until((o) => !sameDialog(o.reading.dialog, shown), PRESS_SHOWS_MS)) break;
    if (deps.leftDialogSince(pressedAt)) break;
  }
  const settled = await deps.until((o) => !sameQuestion(o.reading.dialog, shown) || o.reading.dialog?.typing === true, LAST_WAIT_MS);
  if (!settled) throw new AegisError('timeout', `${what} is still open after pressing ${plan.keys.join(' ')}: the agent did not take option ${n}`, { fix });
  if (!sameQuestion(settled.reading.dialog, shown)) return settled;
  // The number named the entry for typed text: the cursor is taken out of its field again, so that
  // the next answer's digits are pressed, not typed there.
  let where = 'the cursor is in its field';
  if (plan.leaveField?.length) {
    await deps.press(plan.leaveField);
    const left = await deps.until((o) => !sameQuestion(o.reading.dialog, shown) || o.reading.dialog?.typing === false, PRESS_SHOWS_MS + LAST_WAIT_MS);
    where =
      left?.reading.dialog?.typing === false
        ? `the cursor is back on option ${selectedOf(left.reading.dialog) ?? '?'}`
        : `${where} (${plan.leaveField.join(' ')} not seen to leave it)`;
  }
  throw invalidInput(
    'choice',
    `option ${n} of ${what} is its entry for typed text: nothing was answered, ${where}`,
    'answer with the text to type, or with another option number',
  );
}

/** Moves the cursor to option `target`, pressing the missing arrows again while the cursor has not moved. */
async function moveTo(deps: AnswerDeps, shown: Dialog, target: number, what: string, fix: string): Promise<void> {
  for (let press = 1; press <= MAX_PRESSES; press++) {
    const now = deps.last()?.reading.dialog;
    if (!sameDialog(now, shown)) throw new AegisError('conflict', `${what} changed before the answer was given`, { fix });
    const from = selectedOf(now) ?? 1;
    if (from === target) return;
    const keys = Array.from({ length: Math.abs(target - from) }, () => (target > from ? 'Down' : 'Up'));
    if (press > 1) deps.onRepeat(keys, press);
    await deps.press(keys);
    await deps.until((o) => !sameDialog(o.reading.dialog, shown) || selectedOf(o.reading.dialog) !== from, PRESS_SHOWS_MS);
  }
  if (selectedOf(deps.last()?.reading.dialog) !== target) throw new AegisError('timeout', `the cursor in ${what} did not reach option ${target}`, { fix });
}

/** Rows a multi-select list can have above its submit row: 4 options, "All of the above", the "Other" entry. */
const MAX_LIST_ROWS = 6;
/**
 * How long one key in a multi-select list may take to show. Never pressed twice, so a slow redraw
 * costs only waiting: Gemini was seen to act on a digit ~1.3 s late, and this machine is often loaded.
 */
const LIST_KEY_SHOWS_MS = 6_000;

/**
 * A multi-select list (Gemini's `ask_user`, FINDINGS "Question dialog"): a digit TOGGLES its option,
 * so a repeat after a late first press would undo it. Each option in the wrong state (asked for and
 * unticked, or shown ticked and not asked for) gets its digit once, and the screen must show it
 * toggled, under the cursor, before the next key; then Down one row at a time, each move seen, to the
 * submit row, and one Enter there (a second could answer the next question). Any key not seen to act
 * is an AegisError('timeout'), with nothing submitted unless that Enter was the key.
 */
async function tickAndSubmit(
  deps: AnswerDeps,
  shown: Dialog,
  tick: number[],
  leaveField: string[] | undefined,
  what: string,
  fix: string,
): Promise<Observation> {
  const open = (o: Observation | undefined) => sameQuestion(o?.reading.dialog, shown);
  const waitMs = LIST_KEY_SHOWS_MS;
  const untick = shown.options.filter((o) => o.checked && !tick.includes(o.number)).map((o) => o.number);
  const row = (o: Observation | undefined) => (o?.reading.dialog?.onSubmitRow ? 'submit' : String(selectedOf(o?.reading.dialog)));
  // Entries outside the list's window are first visited with Down, each move seen: one that turns
  // out to hold a text field (the "Other" entry) is refused before anything is ticked.
  for (const n of tick.filter((t) => !shown.options.some((o) => o.number === t))) {
    for (let step = 0; step < MAX_LIST_ROWS && selectedOf(deps.last()?.reading.dialog) !== n; step++) {
      const from = row(deps.last());
      await deps.press(['Down']);
      if (!(await deps.until((o) => open(o) && row(o) !== from, waitMs)))
        throw new AegisError('timeout', `the cursor in ${what} did not move down to option ${n}; nothing was ticked`, { fix });
    }
    const at = deps.last()?.reading.dialog;
    if (selectedOf(at) === n && !at?.typing) continue;
    // Left in a text field, the cursor would take the next answer's digits as text.
    if (at?.typing && leaveField?.length) {
      await deps.press(leaveField);
      await deps.until((o) => open(o) && o.reading.dialog?.typing === false, waitMs);
    }
    throw invalidInput(
      'choice',
      selectedOf(at) === n
        ? `option ${n} of ${what} takes typed text, which Aegis does not enter in a multi-select list; nothing was ticked`
        : `${what} has no option ${n}; nothing was ticked`,
      fix,
    );
  }
  for (const n of [...tick, ...untick]) {
    const want = tick.includes(n);
    if (!open(deps.last())) throw new AegisError('conflict', `${what} changed before the answer was given`, { fix });
    if (deps.last()!.reading.dialog!.options.find((o) => o.number === n)?.checked === want) continue;
    await deps.press([String(n)]);
    const toggled = (o: Observation) => !!o.reading.dialog?.options.some((x) => x.number === n && x.selected && x.checked === want);
    // A reading caught mid-redraw may miss the dialog: only the toggle shown settles the wait.
    const seen = await deps.until((o) => open(o) && toggled(o), waitMs);
    if (!seen)
      throw new AegisError(
        'timeout',
        `option ${n} of ${what} was not seen ${want ? 'ticked' : 'unticked'} ${waitMs / 1000} s after its key; nothing was submitted`,
        {
          fix,
        },
      );
  }
  for (let step = 0; step < MAX_LIST_ROWS && row(deps.last()) !== 'submit'; step++) {
    const from = row(deps.last());
    await deps.press(['Down']);
    const moved = await deps.until((o) => open(o) && row(o) !== from, waitMs);
    if (!moved) throw new AegisError('timeout', `the cursor in ${what} did not move down to its submit row; nothing was submitted`, { fix });
  }
  if (row(deps.last()) !== 'submit') throw new AegisError('timeout', `the cursor in ${what} did not reach its submit row; nothing was submitted`, { fix });
  await deps.press(['Enter']);
  const gone = await deps.until((o) => !open(o), waitMs);
  if (!gone) throw new AegisError('timeout', `${what} was still open ${waitMs / 1000} s after Enter on its submit row`, { fix });
  return gone;
}
