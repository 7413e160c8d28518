import { invalidInput } from '../../errors.js';
import { describeOptions, optionByChoice } from '../options.js';
import type { KeyPlan } from '../profile.js';
import { FOLDER_TRUST, type Dialog, type DialogOption } from '../types.js';

/**
 * Keys that answer Codex CLI 0.171.0 dialogs. Each option names its own key in parentheses
 * (`Yes, proceed (y)`, `... don't ask again ... (p)` or `(a)`, `No, ... (esc)`), so an option is
 * chosen by that key; an option without one is reached with arrows and Enter.
 */
const YES = /^Yes\b/u;
/** Options that grant more than this one call. */
const BROADER = /don't ask again|always|for this session/iu;
const NO = /^No\b/u;
/** The trust screen's option that trusts the work folder (the other leaves for Codex's agent list). */
const TRUST = /^Trust and continue$/u;

function keyOf(option: DialogOption): string | undefined {
  const m = /\(([a-z]+)\)$/u.exec(option.label);
  if (!m) return undefined;
  return m[1] === 'esc' ? 'Escape' : m[1];
}

/**
 * Codex's trust screen has no "no": its other choice, "Back to Agent Command Center", leaves for a
 * list of tasks where a session is of no further use, and keys then typed act on that list.
 */
const TRUST_REFUSED =
  'its work folder was not trusted, and Codex works only in a folder it trusts (its other choice is its agent list, of no use to a session), so the session was ended; nothing of the folder ran, and a new session there asks again';

function choose(dialog: Dialog, option: DialogOption): KeyPlan {
  if (dialog.kind === 'setup' && dialog.title === FOLDER_TRUST && !TRUST.test(option.label))
    return { keys: [], label: option.label, endsSession: TRUST_REFUSED };
  const trusts = dialog.kind === 'setup' && TRUST.test(option.label) ? { trustsWorkDir: true } : {};
  const key = keyOf(option);
  if (key) return { keys: [key], label: option.label, ...trusts };
  const from = dialog.options.find((o) => o.selected)?.number ?? 1;
  const steps = option.number - from;
  return { keys: [...Array.from({ length: Math.abs(steps) }, () => (steps > 0 ? 'Down' : 'Up')), 'Enter'], label: option.label, ...trusts };
}

/**
 * `once`: "Yes, proceed" (this call only); `always`: the "Yes" that stops asking for this command or file.
 * On the folder-trust screen either scope trusts the work folder ("Trust and continue").
 */
export function codexApproveKeys(dialog: Dialog, scope: 'once' | 'always'): KeyPlan {
  const trust = dialog.kind === 'setup' ? dialog.options.find((o) => TRUST.test(o.label)) : undefined;
  if (trust) return choose(dialog, trust);
  if (dialog.kind !== 'permission')
    throw invalidInput('id', `the open dialog is "${dialog.question}", not an approval`, `answer it with one of: ${describeOptions(dialog.options)}`);
  const yes = dialog.options.filter((o) => YES.test(o.label));
  const pick = scope === 'once' ? yes.find((o) => !BROADER.test(o.label)) : yes.find((o) => BROADER.test(o.label));
  if (!pick)
    throw invalidInput(
      'scope',
      `the dialog offers no ${scope === 'once' ? 'plain "Yes"' : '"don\'t ask again" Yes'}; it offers: ${describeOptions(dialog.options)}`,
      'pick an option by number with session_answer',
    );
  return choose(dialog, pick);
}

/** Esc cancels every Codex dialog; with an approval that rejects the call and ends the turn. The trust screen's refusal ends the session. */
export function codexRejectKeys(dialog: Dialog): KeyPlan {
  const no = dialog.options.find((o) => NO.test(o.label) || (dialog.kind === 'setup' && !TRUST.test(o.label)));
  return no ? choose(dialog, no) : { keys: ['Escape'] };
}

/** An option by number or by label (exact, else a unique prefix). Codex dialogs take no typed answer. */
export function codexAnswerKeys(dialog: Dialog, choice: string | number): KeyPlan {
  return choose(dialog, optionByChoice(dialog, choice));
}
