import { invalidInput } from '../../errors.js';
import { describeOptions } from '../options.js';
import type { KeyPlan } from '../profile.js';
import type { Dialog, DialogOption } from '../types.js';
import { CLAUDE_2_1_197, type ClaudeAnswerRules } from './screen-rules.js';

/**
 * Which keys answer a dialog, decided from the options the screen shows (never from fixed
 * positions: option lists differ per tool and per version).
 *
 * Claude Code 2.1.197 answers a numbered option at once on its digit (no Enter), so a choice is a
 * single digit. A free-text option is reached with arrow keys instead: a digit would pick it
 * without text. (Each function returns a KeyPlan.)
 */

/**
 * Approves with the least privilege that fits `scope`: `once` = a "Yes" that grants nothing beyond
 * this call; `always` = the "Yes" that also remembers it (always / don't ask again / all edits this
 * session / auto mode). Options that drop all checks or the context are never picked.
 */
export function approveKeys(dialog: Dialog, scope: 'once' | 'always', rules: ClaudeAnswerRules = CLAUDE_2_1_197.answers): KeyPlan {
  if (dialog.kind === 'question') {
    throw invalidInput(
      'id',
      `the open dialog is a question ("${dialog.question}"), not an approval`,
      `answer it with one of: ${describeOptions(dialog.options)}`,
    );
  }
  const yes = dialog.options.filter((o) => rules.yes.test(o.label) && !rules.never.some((p) => p.test(o.label)));
  const broader = (o: DialogOption) => rules.broader.some((p) => p.test(o.label));
  const pick = scope === 'once' ? yes.find((o) => !broader(o)) : yes.find(broader);
  if (!pick) {
    throw invalidInput(
      'scope',
      `the dialog offers no ${scope === 'once' ? 'plain "Yes"' : '"always" (remembered) "Yes"'} option; it offers: ${describeOptions(dialog.options)}`,
      scope === 'always' ? "approve with scope 'once', or pick an option by number with answer" : 'pick an option by number with answer',
    );
  }
  return choose(dialog, pick);
}

/** Rejects with the dialog's "No" option, or Escape (which cancels every Claude Code dialog) when there is none. */
export function rejectKeys(dialog: Dialog, rules: ClaudeAnswerRules = CLAUDE_2_1_197.answers): KeyPlan {
  const no = dialog.options.find((o) => rules.no.test(o.label));
  return no ? choose(dialog, no) : { keys: ['Escape'] };
}

/**
 * Answers with an option number, an option label (case-insensitive; exact, else a unique prefix),
 * or, when nothing matches and the dialog takes typed text ("Type something."), that text.
 */
export function answerKeys(dialog: Dialog, choice: number | string, rules: ClaudeAnswerRules = CLAUDE_2_1_197.answers): KeyPlan {
  if (typeof choice === 'number' || /^\s*\d+\s*$/u.test(choice)) {
    const number = Number(choice);
    const option = dialog.options.find((o) => o.number === number);
    if (!option)
      throw invalidInput(
        'choice',
        `the dialog has no option ${number}; it offers: ${describeOptions(dialog.options)}`,
        'pass one of the option numbers or labels shown',
      );
    return choose(dialog, option);
  }

  const wanted = choice.trim().toLowerCase();
  if (wanted === '')
    throw invalidInput('choice', 'the answer is empty', `pass an option number, a label, or text to type; options: ${describeOptions(dialog.options)}`);
  const exact = dialog.options.find((o) => o.label.toLowerCase() === wanted);
  if (exact) return choose(dialog, exact);
  const prefixed = dialog.options.filter((o) => o.label.toLowerCase().startsWith(wanted));
  if (prefixed.length === 1) return choose(dialog, prefixed[0]!);
  if (prefixed.length > 1) {
    throw invalidInput('choice', `"${choice}" matches several options: ${describeOptions(prefixed)}`, 'pass more of the label, or the option number');
  }

  const freeText = dialog.options.find((o) => rules.freeText.some((p) => p.test(o.label)));
  if (!freeText) {
    throw invalidInput(
      'choice',
      `"${choice}" is not one of the options and the dialog takes no typed answer; it offers: ${describeOptions(dialog.options)}`,
      'pass one of the option numbers or labels shown',
    );
  }
  return { keys: moveTo(dialog, freeText), text: choice.trim(), label: freeText.label };
}

/** The keys that pick one option: its digit, or arrows + Enter beyond 9 (no such key). */
function choose(dialog: Dialog, option: DialogOption): KeyPlan {
  const keys = option.number <= 9 ? [String(option.number)] : [...moveTo(dialog, option), 'Enter'];
  return { keys, label: option.label };
}

/** Arrow keys from the option under the cursor to `option`. */
function moveTo(dialog: Dialog, option: DialogOption): string[] {
  const from = dialog.options.find((o) => o.selected)?.number ?? 1;
  const steps = option.number - from;
  return Array.from({ length: Math.abs(steps) }, () => (steps > 0 ? 'Down' : 'Up'));
}
