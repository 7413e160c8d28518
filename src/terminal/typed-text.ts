/** Text that goes into an agent's pane: made safe to type, checked against its limits, and recognised again on screen. */
import { pasteFits, type PasteSize } from '../agents/paste-placeholder.js';
import { invalidInput } from '../errors.js';

/**
 * Makes caller text safe to type into a pane: it must arrive as text, never as terminal control.
 * ESC and the other C0/C1 control characters are removed (an ESC could end a bracketed paste early
 * or smuggle an escape sequence); tabs and newlines stay; CRLF and lone CR become LF.
 */
export function sanitizeText(text: string): string {
  return (
    text
      .replace(/\r\n?/g, '\n')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '')
  );
}

export const MAX_TEXT_BYTES = 100_000;

export function checkText(field: string, raw: string): string {
  const text = sanitizeText(raw);
  if (!text.trim()) throw invalidInput(field, `${field} is empty`, `pass the text to send in ${field}`);
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES)
    throw invalidInput(
      field,
      `${field} is ${Buffer.byteLength(text)} bytes; the limit is ${MAX_TEXT_BYTES}`,
      'send a shorter text, or write it to a file and ask the agent to read it',
    );
  return text;
}

/**
 * Text typed with send-keys into a dialog's own text field (an answer the picker takes as "Type
 * something"): control characters removed as for prompts, line breaks and tabs made spaces. It goes on
 * a tmux command line, which holds about 16 KB, so it is kept well below that.
 */
export const MAX_TYPED_ANSWER_BYTES = 8_000;

export function checkTypedAnswer(field: string, raw: string): string {
  // Typed (not pasted), a newline or tab is a key: Enter would submit part of the answer.
  const text = sanitizeText(raw).replace(/[\n\t]/g, ' ');
  if (Buffer.byteLength(text) > MAX_TYPED_ANSWER_BYTES)
    throw invalidInput(
      field,
      `${field} is ${Buffer.byteLength(text)} bytes; a typed answer can hold ${MAX_TYPED_ANSWER_BYTES}`,
      'answer briefly here, and send the details afterwards with session_send',
    );
  return text;
}

/**
 * Characters an agent may take in but not keep as sent: zero-width and format characters (a zero-width
 * space, a soft hyphen, a BOM, bidi controls, ZWJ, variation selectors), which Claude Code drops or
 * draws as U+FFFD. With canonical composition (NFC: an `e` plus U+0301 is drawn as one `é`), a prompt
 * compares equal however the agent stored it.
 */
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;
/**
 * What a box on screen cannot be trusted to show: emoji (their width in cells depends on the
 * terminal's tables, and an agent's redraw may overwrite part of a ZWJ sequence or a skin tone) and
 * the U+FFFD an agent draws for a character it will not show.
 */
const UNDRAWABLE = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}\uFFFD]/gu;

const comparable = (text: string): string => text.normalize('NFC').replace(INVISIBLE, '');

/** Compares prompts the way an agent echoes them: line ends, surrounding blanks and invisible characters do not count. */
export const samePrompt = (a: string, b: string): boolean => comparable(a).replace(/\s+/g, ' ').trim() === comparable(b).replace(/\s+/g, ' ').trim();

/** Text as a box on screen can show it: compared without white space, invisible characters and emoji. */
const drawable = (text: string): string => comparable(text).replace(UNDRAWABLE, '').replace(/\s+/g, '');

/** Whether `shown`, read off a screen, is `text` as the screen can draw it (wrapped, invisible characters and emoji aside). */
export const showsText = (shown: string, text: string): boolean => drawable(shown) === drawable(text);

/**
 * Whether the agent's input box shows `text` and nothing else. White space is ignored (the box wraps
 * long lines and shows tabs as spaces), and so are invisible characters and emoji (see `drawable`).
 * A long paste the agent drew collapsed counts when the size its placeholder names is the text's (a
 * placeholder of another paste, or one beside other text, does not); a box that scrolls (Gemini CLI,
 * its rows all drawn) counts when it shows the text's end.
 */
export function boxHolds(box: { inputText: string; inputPaste?: PasteSize; inputMode?: 'shell'; inputTail?: boolean }, text: string): boolean {
  // A box in shell mode would run the text as a command: it never holds a prompt.
  if (box.inputMode === 'shell') return false;
  if (box.inputPaste) return pasteFits(box.inputPaste, text);
  if (!box.inputText) return false;
  // A box full to its last row may show only the text's end (it was empty before the paste: cleared first).
  return showsText(box.inputText, text) || (!!box.inputTail && drawable(text).endsWith(drawable(box.inputText)));
}
