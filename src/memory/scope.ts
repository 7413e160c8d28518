import { isAbsolute, resolve } from 'node:path';
import { invalidInput } from '../errors.js';
import { canonicalName } from '../util/names.js';

export const GLOBAL_SCOPE = 'global';
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Checks a memory scope and returns its canonical form: `global`, `project:<absolute path>` (the path
 * normalized, so `/a/b/` and `/a/./b` name the same project, and in canonicalName's form, so a path
 * typed with decomposed accents names the same project too) or `session:<id>`.
 */
export function normalizeScope(given: string, field = 'scope'): string {
  const scope = canonicalName(given);
  if (scope === GLOBAL_SCOPE) return scope;
  if (scope.startsWith('project:')) {
    const dir = scope.slice('project:'.length);
    if (!dir || !isAbsolute(dir)) {
      throw invalidInput(
        field,
        `"${scope}" does not name a project by absolute path`,
        'write project:<absolute path of the work dir>, e.g. project:/home/me/atlas',
      );
    }
    return `project:${resolve(dir)}`;
  }
  if (scope.startsWith('session:')) {
    const id = scope.slice('session:'.length);
    if (!SESSION_ID.test(id)) {
      throw invalidInput(
        field,
        `"${scope}" has no valid session id`,
        'write session:<id> with an id of letters, digits, . _ - (at most 128), e.g. session:7f3a2c',
      );
    }
    return scope;
  }
  throw invalidInput(field, `unknown scope "${scope}"`, 'use global, project:<absolute path> or session:<id>');
}
