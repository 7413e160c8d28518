import { readFileSync } from 'node:fs';

/**
 * The text of a file a person may have saved in any editor: UTF-8, without the byte order mark some
 * (Notepad) write first, which JSON.parse would refuse as the first character.
 */
export function readTextFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '');
}
