/**
 * Rich text as segments, rendered per channel. Replies and notifications are written once, with a
 * little emphasis; each channel writes bold, italic and code its own way and escapes what its
 * markup would misread. Text we did not write (an agent's reply, a user's note) is a plain segment:
 * escaped where the channel needs it, never interpreted as our markup.
 */
import { graphemes, revealInvisible } from '../util/text.js';

export type Segment = string | { b: string } | { i: string } | { code: string } | { pre: string };
export type Rich = Segment[];

/** telegram-html: Bot API parse_mode HTML; whatsapp: *b* _i_ `c`; slack: mrkdwn; discord: Markdown. */
export type Markup = 'telegram-html' | 'whatsapp' | 'slack' | 'discord' | 'plain';

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const ESCAPE: Record<Markup, (s: string) => string> = {
  'telegram-html': escapeHtml,
  // Slack mrkdwn treats <...> as links and mentions; & must be escaped first.
  slack: escapeHtml,
  whatsapp: (s) => s,
  discord: (s) => s,
  plain: (s) => s,
};

type Style = 'b' | 'i' | 'code' | 'pre';
const WRAP: Record<Markup, Record<Style, [string, string]>> = {
  'telegram-html': { b: ['<b>', '</b>'], i: ['<i>', '</i>'], code: ['<code>', '</code>'], pre: ['<pre>', '</pre>'] },
  whatsapp: { b: ['*', '*'], i: ['_', '_'], code: ['`', '`'], pre: ['```', '```'] },
  slack: { b: ['*', '*'], i: ['_', '_'], code: ['`', '`'], pre: ['```', '```'] },
  discord: { b: ['**', '**'], i: ['*', '*'], code: ['`', '`'], pre: ['```\n', '\n```'] },
  plain: { b: ['', ''], i: ['', ''], code: ['', ''], pre: ['', ''] },
};

/**
 * A segment's style and text. The text reads as it is: an agent's reply or a command may hold bidi
 * controls or zero-width characters that would make a chat show something else, so they are written
 * out (util/text.ts revealInvisible) in every message and its plain text.
 */
function styleOf(seg: Segment): { style?: Style; text: string } {
  if (typeof seg === 'string') return { text: revealInvisible(seg) };
  if ('b' in seg) return { style: 'b', text: revealInvisible(seg.b) };
  if ('i' in seg) return { style: 'i', text: revealInvisible(seg.i) };
  if ('code' in seg) return { style: 'code', text: revealInvisible(seg.code) };
  return { style: 'pre', text: revealInvisible(seg.pre) };
}

/**
 * Slack and WhatsApp code has no escape and no longer fence, and Discord's code block ends at the
 * first ```: there a backtick that would end the code is written as this look-alike (U+02CB), and
 * the message says so, since a command is read (and may be copied) from it.
 */
const BACKTICK_STAND_IN = '\u02cb';
const STAND_IN_NOTE = ` (${BACKTICK_STAND_IN} stands for a backtick)`;
/**
 * Backtick runs that would end a code span or block on each channel; Telegram HTML and plain text have
 * none. Discord keeps a lone backtick in a span fenced by two; a longer run could be read as the fence
 * of a code block.
 */
const CODE_ENDERS: Partial<Record<Markup, Record<'code' | 'pre', RegExp>>> = {
  slack: { code: /`+/g, pre: /`+/g },
  whatsapp: { code: /`+/g, pre: /`+/g },
  discord: { code: /`{2,}/g, pre: /`{3,}/g },
};

/** Code as the channel writes it, so that no backtick inside can end it early. */
function codePiece(text: string, style: 'code' | 'pre', markup: Markup): string {
  const enders = CODE_ENDERS[markup]?.[style];
  const standIn = !!enders && text.search(enders) >= 0;
  const body = ESCAPE[markup](standIn ? text.replace(enders, (run) => BACKTICK_STAND_IN.repeat(run.length)) : text);
  const note = standIn ? STAND_IN_NOTE : '';
  // Discord (as CommonMark) ends a span only at a run as long as its fence; the blanks it drops let the code start or end with a backtick.
  if (markup === 'discord' && style === 'code' && body.includes('`')) return `\`\` ${body} \`\`${note}`;
  const [open, close] = WRAP[markup][style];
  return `${open}${body}${close}${note}`;
}

/** One styled piece. Emphasis markers must hug the text (WhatsApp ignores `* x*`), so blanks go outside. */
function renderPiece(text: string, style: Style | undefined, markup: Markup): string {
  const esc = ESCAPE[markup];
  if (!style || !text.trim()) return esc(text);
  if (style === 'pre') return codePiece(text, style, markup);
  const lead = /^\s*/.exec(text)![0];
  const trail = /\s*$/.exec(text)![0];
  if (style === 'code') return `${lead}${codePiece(text.trim(), style, markup)}${trail}`;
  const [open, close] = WRAP[markup][style];
  return `${lead}${open}${esc(text.trim())}${close}${trail}`;
}

/** Renders rich text as one string (no length limit). */
export function render(rich: Rich, markup: Markup): string {
  return rich
    .map((seg) => {
      const { style, text } = styleOf(seg);
      return renderPiece(text, style, markup);
    })
    .join('');
}

/** Plain text of rich text: what a person reads, without markup. */
export const plainText = (rich: Rich): string => rich.map((seg) => styleOf(seg).text).join('');

/**
 * Where to end the first part of `text` so its rendered length fits `max`: the longest prefix that
 * fits (binary search; rendering only ever lengthens text), pulled back to a line break, else a word
 * break, when one is in its second half; never inside a grapheme cluster.
 */
function firstCut(text: string, max: number, measure: (s: string) => number): number {
  if (measure(text) <= max) return text.length;
  let lo = 1;
  let hi = Math.min(text.length, max);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measure(text.slice(0, mid)) <= max) lo = mid;
    else hi = mid - 1;
  }
  const window = text.slice(0, lo);
  const nl = window.lastIndexOf('\n');
  const sp = window.lastIndexOf(' ');
  return graphemeCut(text, nl >= lo / 2 ? nl + 1 : sp >= lo / 2 ? sp + 1 : lo);
}

/**
 * `cut` moved back to the start of the grapheme cluster it falls in, so a flag, a ZWJ family or a
 * letter and its accents stay in one message. A cluster longer than the room (a letter under
 * hundreds of marks) is cut between code points rather than make a message too long for the service.
 */
function graphemeCut(text: string, cut: number): number {
  const cluster = graphemes(text).containing(cut);
  if (!cluster || cluster.index === cut) return cut;
  if (cluster.index > 0) return cluster.index;
  const code = text.charCodeAt(cut - 1);
  return cut > 1 && code >= 0xd800 && code <= 0xdbff ? cut - 1 : cut;
}

/**
 * Renders rich text into messages of at most `limit` characters each (the first at most `firstLimit`:
 * a photo's caption is shorter than a message): segments are packed in order; a plain segment that
 * does not fit is split at a line or word break; a styled one that is longer than a whole message is
 * split and each part styled on its own, so no markup is ever cut open.
 */
export function renderChunks(rich: Rich, markup: Markup, limit: number, firstLimit = limit): string[] {
  const esc = ESCAPE[markup];
  const chunks: string[] = [];
  let cur = '';
  const max = () => (chunks.length ? limit : firstLimit);
  const flush = () => {
    if (cur.trim()) chunks.push(cur.replace(/\s+$/, ''));
    cur = '';
  };
  for (const seg of rich) {
    const { style, text } = styleOf(seg);
    if (!text) continue;
    const whole = renderPiece(text, style, markup);
    if (cur.length + whole.length <= max()) {
      cur += whole;
      continue;
    }
    if (style && whole.length <= limit) {
      flush();
      if (whole.length <= max()) {
        cur = whole;
        continue;
      }
    }
    // What styling adds to the whole text: no part of it needs more (a longer fence, a note).
    const overhead = whole.length - esc(text).length;
    let rest = text;
    while (rest) {
      const room = max() - cur.length - overhead;
      // Fill the current message only when a useful part fits; otherwise start a new one.
      if (cur && room < Math.min(max() / 5, esc(rest).length)) {
        flush();
        continue;
      }
      const part = rest.slice(
        0,
        firstCut(rest, room, (s) => esc(s).length),
      );
      cur += renderPiece(part, style, markup);
      rest = rest.slice(part.length);
      if (rest) flush();
    }
  }
  flush();
  return chunks.length ? chunks : [''];
}
