import { invalidInput } from '../errors.js';
import type { Dialog, DialogOption } from './types.js';

/** A dialog's options as shown in errors: `1. Yes, 2. No`. */
export const describeOptions = (options: DialogOption[]): string => options.map((o) => `${o.number}. ${o.label}`).join(', ');

/** The option a caller's choice names: its number, its label (case ignored), else the one label it is a prefix of. */
export function findOption(dialog: Dialog, choice: string | number): DialogOption | undefined {
  const wanted = String(choice).trim().toLowerCase();
  const byNumber = /^\d+$/.test(wanted) ? dialog.options.find((o) => o.number === Number(wanted)) : undefined;
  const exact = dialog.options.find((o) => o.label.toLowerCase() === wanted);
  const prefixed = dialog.options.filter((o) => o.label.toLowerCase().startsWith(wanted));
  return byNumber ?? exact ?? (wanted && prefixed.length === 1 ? prefixed[0] : undefined);
}

/** findOption for dialogs that take no typed answer: anything else is refused with the options. */
export function optionByChoice(dialog: Dialog, choice: string | number): DialogOption {
  const pick = findOption(dialog, choice);
  if (!pick)
    throw invalidInput(
      'choice',
      `"${String(choice)}" is not one of the options; the dialog offers: ${describeOptions(dialog.options)}`,
      'pass one of the option numbers or labels shown',
    );
  return pick;
}
