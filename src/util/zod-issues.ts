import type { z } from 'zod';
import { AegisError } from '../errors.js';

const pathOf = (issue: z.core.$ZodIssue, root: string): string => (issue.path.length ? issue.path.join('.') : root);

/** What to do about one issue, in the words of the field at fault. */
function fixFor(issue: z.core.$ZodIssue, field: string): string {
  switch (issue.code) {
    case 'too_big':
      return issue.origin === 'array' || issue.origin === 'set'
        ? `pass at most ${issue.maximum} items in ${field}`
        : issue.origin === 'string'
          ? `shorten ${field} to at most ${issue.maximum} characters`
          : `make ${field} at most ${issue.maximum}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `give ${field} at least ${issue.minimum} character(s)`
        : issue.origin === 'array'
          ? `pass at least ${issue.minimum} item(s) in ${field}`
          : `make ${field} at least ${issue.minimum}`;
    case 'unrecognized_keys':
      return `remove ${issue.keys.join(', ')}: not a field of this call (see its input schema)`;
    case 'invalid_type':
      return issue.input === undefined ? `pass ${field} (${issue.expected})` : `pass ${field} as ${issue.expected}`;
    default:
      return `correct ${field} and call again`;
  }
}

/** An issue in one line; unknown keys are named as the field they are. */
function describeIssue(issue: z.core.$ZodIssue, root: string): string {
  if (issue.code === 'unrecognized_keys') {
    const parent = issue.path.length ? `${issue.path.join('.')}.` : '';
    return `${issue.keys.map((k) => parent + k).join(', ')}: unknown field`;
  }
  return `${pathOf(issue, root)}: ${issue.message}`;
}

/** Turns zod issues into one AegisError that names the first field at fault, what is allowed and the fix. */
export function zodToAegisError(error: z.ZodError, root = 'input'): AegisError {
  const first = error.issues[0];
  let field = first ? pathOf(first, root) : root;
  if (first?.code === 'unrecognized_keys') field = [...first.path, first.keys[0]].join('.');
  return new AegisError('invalid_input', error.issues.map((issue) => describeIssue(issue, root)).join('; '), {
    field,
    fix: first ? fixFor(first, field) : `correct ${field} and call again`,
  });
}
