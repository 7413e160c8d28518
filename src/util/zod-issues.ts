import type { z } from 'zod';
import { AegisError } from '../errors.js';

/** Turns zod issues into one AegisError that names the first field at fault and what is allowed. */
export function zodToAegisError(error: z.ZodError, root = 'input'): AegisError {
  const lines = error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : root;
    return `${path}: ${issue.message}`;
  });
  const first = error.issues[0];
  const field = first && first.path.length ? first.path.join('.') : root;
  return new AegisError('invalid_input', lines.join('; '), {
    field,
    fix: `correct ${field} and call again`,
  });
}
