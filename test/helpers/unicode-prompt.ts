import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import { sendDelivered, waitState } from './sessions.js';
import { waitFor } from './wait.js';

/**
 * Text people paste without seeing what is in it: a decomposed `é` (macOS file names), a ZWJ family and a
 * skin tone, a zero-width space, bidi controls, a soft hyphen, a tab. Each once made Claude Code's box
 * "not show the text as typed" (three attempts, nothing sent), on 2.1.197, 2.1.332 or both.
 */
export const UNICODE_PROMPT = 'unicode e\u0301 👨‍👩‍👧 a\u200bb 👍🏽 bidi \u202eabc\u202c soft\u00adhyphen tab\tend';

/** The prompt as any agent may store it: composed, without zero-width and format characters, blanks as one space. */
const plain = (text: string) =>
  text
    .normalize('NFC')
    .replace(/\p{Default_Ignorable_Code_Point}/gu, '')
    .replace(/\s+/g, ' ');

/** UNICODE_PROMPT reaches the model once, every visible character kept; `prompts` lists what the fake model received. */
export async function expectUnicodePromptArrives(client: Client, id: string, prompts: () => string[]): Promise<void> {
  await waitState(client, id, ['idle']);
  await sendDelivered(client, id, UNICODE_PROMPT);
  const got = await waitFor(
    () => {
      const seen = prompts().filter((p) => p.startsWith('unicode ') && p.endsWith('end'));
      return seen.length ? seen : undefined;
    },
    { what: 'the unicode prompt at the model' },
  );
  await waitState(client, id, ['idle']);
  expect(prompts().filter((p) => p.startsWith('unicode '))).toHaveLength(1);
  expect(plain(got[0]!)).toBe(plain(UNICODE_PROMPT));
  expect(got[0]).toContain('👨‍👩‍👧');
  expect(got[0]).toContain('👍🏽');
}
