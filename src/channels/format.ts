/**
 * Rich text as segments, rendered per channel. Replies and notifications are written once, with a
 * little emphasis; each channel writes bold, italic and code its own way and escapes what its
 * markup would misread. Text we did not write (an agent's reply, a user's note) is a plain segment:
 * escaped where the channel needs it, never interpreted as our markup.
 */
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

function styleOf(seg: Segment): { style?: Style; text: string } {
  if (typeof seg === 'string') return { text: seg };
  if ('b' in seg) return { style: 'b', text: seg.b };
  if ('i' in seg) return { style: 'i', text: seg.i };
  if ('code' in seg) return { style: 'code', text: seg.code };
  return { style: 'pre', text: seg.pre };
}

/** One styled piece. Emphasis markers must hug the text (WhatsApp ignores `* x*`), so blanks go outside. */
function renderPiece(text: string, style: Style | undefined, markup: Markup): string {
  const esc = ESCAPE[markup];
  if (!style || !text.trim()) return esc(text);
  if (style === 'pre') {
    const [open, close] = WRAP[markup].pre;
    return `${open}${esc(text)}${close}`;
  }
  const lead = /^\s*/.exec(text)![0];
  const trail = /\s*$/.exec(text)![0];
  const [open, close] = WRAP[markup][style];
  return `${lead}${open}${esc(text.trim())}${close}${trail}`;
}

/** Renders rich text as one string (no length limit). */
export function render(rich: Rich, markup: Markup): string {
  return rich.map((seg) => {
    const { style, text } = styleOf(seg);
    return renderPiece(text, style, markup);
  }).join('');
}

/** Plain text of rich text: what a person reads, without markup. */
export const plainText = (rich: Rich): string => rich.map((seg) => styleOf(seg).text).join('');

/**
 * Cuts raw text into parts whose rendered length fits `max`, preferring to break after a newline,
 * then after a space, and never inside a surrogate pair.
 */
export function splitText(text: string, max: number, measure: (s: string) => number = (s) => s.length): string[] {
  const parts: string[] = [];
  let rest = text;
  while (measure(rest) > max) {
    let end = Math.min(rest.length, max);
    while (end > 1 && measure(rest.slice(0, end)) > max) end -= Math.max(1, measure(rest.slice(0, end)) - max);
    const window = rest.slice(0, end);
    const nl = window.lastIndexOf('\n');
    const sp = window.lastIndexOf(' ');
    let cut = nl >= end / 2 ? nl + 1 : sp >= end / 2 ? sp + 1 : end;
    const code = rest.charCodeAt(cut - 1);
    if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
    if (cut < 1) cut = 1;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) parts.push(rest);
  return parts;
}

/**
 * Renders rich text into messages of at most `limit` characters each: segments are packed in order;
 * a plain segment that does not fit is split at a line or word break; a styled one that is longer
 * than a whole message is split and each part styled on its own, so no markup is ever cut open.
 */
export function renderChunks(rich: Rich, markup: Markup, limit: number): string[] {
  const esc = ESCAPE[markup];
  const chunks: string[] = [];
  let cur = '';
  const flush = () => {
    if (cur.trim()) chunks.push(cur.replace(/\s+$/, ''));
    cur = '';
  };
  for (const seg of rich) {
    const { style, text } = styleOf(seg);
    if (!text) continue;
    const whole = renderPiece(text, style, markup);
    if (cur.length + whole.length <= limit) {
      cur += whole;
      continue;
    }
    if (style && whole.length <= limit) {
      flush();
      cur = whole;
      continue;
    }
    const overhead = style ? renderPiece('x', style, markup).length - 1 : 0;
    let rest = text;
    while (rest) {
      const room = limit - cur.length - overhead;
      // Fill the current message only when a useful part fits; otherwise start a new one.
      if (cur && room < Math.min(limit / 5, esc(rest).length)) {
        flush();
        continue;
      }
      const [part] = splitText(rest, room, (s) => esc(s).length);
      cur += renderPiece(part!, style, markup);
      rest = rest.slice(part!.length);
      if (rest) flush();
    }
  }
  flush();
  return chunks.length ? chunks : [''];
}
