import { invalidInput } from '../../errors.js';
import { describeOptions, findOption, optionByChoice } from '../options.js';
import type { KeyPlan } from '../profile.js';
import type { Dialog, DialogOption } from '../types.js';

/**
 * Keys that answer Gemini CLI 0.61.0 dialogs. The option under the cursor is chosen with Enter, any
 * other with its digit; Esc refuses an approval ("No, suggest changes (esc)") and ends the turn.
 * Enter rather than `1` for the preselected "Allow once": a digit pressed right after the dialog
 * appears was seen to act only ~1.3 s later, so the answer was pressed again and the extra digits
 * landed in the input box once the dialog closed; a repeated Enter on the empty box does nothing
 * (FINDINGS "Answering dialogs").
 */
const ONCE = /^Allow once$/u;
/** The narrowest option that stops asking: this session only, never "all future sessions". */
const SESSION = /^Allow for this session$/u;
const NO = /^No\b/u;
/**
 * The trust dialog's option that trusts the work folder itself, `Trust folder (<its name>)`; never
 * "Trust parent folder", which would trust every sibling too.
 */
const TRUST = /^Trust folder\b/u;
/** Refusing trust: the CLI goes on in the folder without loading the folder's configuration. */
const DONT_TRUST = /^Don't trust$/u;

function choose(option: DialogOption, dialog: Dialog): KeyPlan {
  if (/\(esc\)$/u.test(option.label)) return { keys: ['Escape'], label: option.label };
  const trusts = dialog.kind === 'setup' && TRUST.test(option.label) ? { trustsWorkDir: true } : {};
  return { keys: [option.selected ? 'Enter' : String(option.number)], label: option.label, ...trusts };
}

/**
 * `once`: "Allow once" (this call only); `always`: "Allow for this session". On the folder-trust
 * dialog either scope trusts the work folder ("Trust folder").
 */
export function geminiApproveKeys(dialog: Dialog, scope: 'once' | 'always'): KeyPlan {
  const trust = dialog.kind === 'setup' ? dialog.options.find((o) => TRUST.test(o.label)) : undefined;
  if (trust) return choose(trust, dialog);
  if (dialog.kind !== 'permission')
    throw invalidInput('id', `the open dialog is "${dialog.question}", not a tool approval`, `answer it with one of: ${describeOptions(dialog.options)}`);
  const pick = dialog.options.find((o) => (scope === 'once' ? ONCE : SESSION).test(o.label));
  if (!pick)
    throw invalidInput(
      'scope',
      `the dialog offers no ${scope === 'once' ? '"Allow once"' : '"Allow for this session"'}; it offers: ${describeOptions(dialog.options)}`,
      'pick an option by number with session_answer',
    );
  return choose(pick, dialog);
}

/** Esc refuses an approval, "Don't trust" the folder-trust dialog; a dialog without either is left with Esc too. */
export function geminiRejectKeys(dialog: Dialog): KeyPlan {
  const no = dialog.options.find((o) => NO.test(o.label) || (dialog.kind === 'setup' && DONT_TRUST.test(o.label)));
  return no ? choose(no, dialog) : { keys: ['Escape'] };
}

/**
 * An option by number or by label (exact, else a unique prefix); approvals take nothing else. An
 * `ask_user` question also takes typed text: in its text field (a `text` question), else in the
 * "Other" entry that ends every `choice` list. That entry may be scrolled out of view, but the list
 * wraps, so from the cursor's option n, n presses of Up reach it; the text is typed once the screen
 * shows the cursor there. An option outside that window is named by its number, which its digit
 * picks (FINDINGS "Question dialog").
 */
export function geminiAnswerKeys(dialog: Dialog, choice: string | number): KeyPlan {
  if (dialog.kind !== 'question') return choose(optionByChoice(dialog, choice), dialog);
  if (dialog.questions?.review) return submitReview(dialog, choice);
  if (dialog.multiSelect) return tickKeys(dialog, choice);
  const option = findOption(dialog, choice);
  if (option) return choose(option, dialog);
  const text = String(choice).trim();
  if (!text)
    throw invalidInput('choice', 'the answer is empty', `pass an option number, a label, or text to type; options: ${describeOptions(dialog.options)}`);
  const unseen = unseenOption(dialog, text);
  // Down from the "Other" entry (the list's last) wraps to option 1, leaving its field.
  if (unseen !== undefined) return { keys: [String(unseen)], label: `option ${unseen}`, unseen, leaveField: ['Down'] };
  if (dialog.options.length && /^\d+$/u.test(text))
    throw invalidInput(
      'choice',
      `the dialog shows no option ${text}; it shows: ${describeOptions(dialog.options)}`,
      'pass one of the option numbers or labels shown, or text to type',
    );
  const cursor = dialog.options.find((o) => o.selected)?.number ?? 0;
  return { keys: dialog.typing ? [] : Array.from({ length: cursor }, () => 'Up'), text, label: text };
}

/** Entries a `choice` list can hold: the 4 options the `ask_user` declaration allows, then "Other". */
const MAX_CHOICE_ENTRIES = 5;
/** Numbered entries of a multi-select list: 4 options, "All of the above", "Other" (then the unnumbered Done). */
const MAX_MULTI_ENTRIES = 6;

/**
 * A number naming an entry outside the list's 3-item window: its digit picks it all the same (the CLI
 * numbers every entry, drawn or not; FINDINGS "Question dialog"). Its label is unknown until then.
 */
function unseenOption(dialog: Dialog, text: string): number | undefined {
  if (!dialog.moreOptions || !/^\d+$/u.test(text)) return undefined;
  const n = Number(text);
  if (dialog.typing)
    throw invalidInput(
      'choice',
      `the cursor is in the list's text entry, where the digit ${n} would be typed, not pressed`,
      'answer with the text to type there',
    );
  return n >= 1 && n <= MAX_CHOICE_ENTRIES && !dialog.options.some((o) => o.number === n) ? n : undefined;
}

/** The review page of several questions takes only Enter, which sends every answer shown. */
function submitReview(dialog: Dialog, choice: string | number): KeyPlan {
  if (String(choice).trim().toLowerCase() !== 'submit')
    throw invalidInput(
      'choice',
      `every question is answered and the dialog shows them for review (${dialog.question.replace(/\n/gu, '; ')}); it takes no other answer`,
      'answer "submit" to send these answers, or cancel them all with session_reject',
    );
  return { keys: ['Enter'], label: 'submit' };
}

/** The Other entry of a list (free text), which a multi-select answer through Aegis does not fill. */
const OTHER = /^Enter a custom value$/u;

/**
 * A multi-select question: the answer names the options to tick, by number or label, separated by
 * commas (`1,3`, `Lint, Build`); a label only of an option the screen shows, a number also of one outside
 * the list's window. Typed text is refused:
 * the "Other" entry of such a list would need typing and ticking in one go, which is not verified.
 */
function tickKeys(dialog: Dialog, choice: string | number): KeyPlan {
  const fix = `pass the numbers or labels of the options to tick, separated by commas (e.g. "1,3"); options: ${describeOptions(dialog.options)}`;
  // Numbers may also come separated by spaces, as a phone types them ("answer k7 1 3"); labels hold spaces.
  const text = String(choice).trim();
  const names = (/^\d+(\s+\d+)+$/.test(text) ? text.split(/\s+/) : text.split(',')).map((n) => n.trim());
  if (names.some((n) => !n)) throw invalidInput('choice', `"${String(choice)}" has an empty item`, fix);
  // Numbers of entries outside the list's window: reached with Down first (drawing their labels,
  // refusing the "Other" entry, whose field would take the next digits), then ticked as usual.
  const unseen = names.filter((name) => /^\d+$/u.test(name) && !findOption(dialog, name)).map(Number);
  const reachUnseen = unseen.length > 0 && !!dialog.moreOptions && unseen.every((n) => n >= 1 && n <= MAX_MULTI_ENTRIES);
  const picked = names.map((name) => {
    const option = findOption(dialog, name);
    return !option && reachUnseen && /^\d+$/u.test(name) ? Number(name) : drawnPick(option, name, fix).number;
  });
  const tick = [...new Set(picked)].sort((a, b) => a - b);
  const label = tick.map((n) => dialog.options.find((o) => o.number === n)?.label ?? `option ${n}`).join(', ');
  return { keys: [], tick, label, ...(reachUnseen ? { unseen: Math.min(...unseen), leaveField: ['Down'] } : {}) };
}

/** A drawn option named to be ticked; anything else, and the "Other" entry, is refused. */
function drawnPick(option: DialogOption | undefined, name: string, fix: string): DialogOption {
  if (!option) throw invalidInput('choice', `"${name}" is not one of the options this multi-select question shows (typed answers are not taken here)`, fix);
  if (OTHER.test(option.label))
    throw invalidInput('choice', `option ${option.number} ("${option.label}") takes typed text, which Aegis does not enter in a multi-select list`, fix);
  return option;
}
