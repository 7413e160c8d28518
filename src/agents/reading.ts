import type { Dialog, ScreenReading } from './types.js';

/** What a screen reading means whatever the agent: shared by every agent's reader and by the fusion. */

/**
 * A heuristic for "the agent ended its turn by asking something": the last sentence ends with `?`.
 * A list of choices after the question ("1. Red", "- Blue") does not hide it.
 */
export function looksLikeQuestion(text: string): boolean {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  while (lines.length > 1 && /^(?:\d+[.)]|[-*•])\s/u.test(lines[lines.length - 1]!)) lines.pop();
  const last = (lines[lines.length - 1] ?? '').replace(/[\s*_`"'”’)\]]+$/u, '');
  return /[?？]$/u.test(last);
}

/** The state a dialog puts the agent in; a setup dialog, like a permission, waits for a yes/no. */
export const DIALOG_STATE: Record<Dialog['kind'], NonNullable<ScreenReading['state']>> = {
  setup: 'permission_prompt',
  permission: 'permission_prompt',
  question: 'asking',
  plan: 'plan',
};
