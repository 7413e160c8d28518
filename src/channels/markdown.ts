import type { Rich, Segment } from './format.js';

/**
 * The agent's Markdown (CommonMark as Claude writes it) read into rich text, so each channel renders
 * it its own way (Telegram HTML, Slack mrkdwn, WhatsApp markup, Discord Markdown) instead of showing
 * raw `**` and `#`. Read: fenced code blocks (kept whole, language dropped), inline code, bold, italic,
 * headings (as bold lines), list bullets, links (text and address). Everything else stays plain text,
 * escaped by the renderer: nothing the agent wrote becomes markup the channel would misread.
 */
export function fromMarkdown(md: string): Rich {
  const out: Rich = [];
  const fence = /^(```|~~~)[^\n]*\n([\s\S]*?)\n?\1[ \t]*$/gm;
  let at = 0;
  for (let m = fence.exec(md); m; m = fence.exec(md)) {
    text(md.slice(at, m.index), out);
    out.push({ pre: m[2]! });
    at = m.index + m[0].length;
  }
  // An unclosed fence (a reply cut short) is still code to the end.
  const open = /^(```|~~~)[^\n]*\n([\s\S]*)$/m.exec(md.slice(at));
  if (open) {
    text(md.slice(at, at + open.index), out);
    out.push({ pre: open[2]! });
  } else text(md.slice(at), out);
  return merge(out);
}

/** Lines outside code blocks: headings and bullets, then the inline styles of each line. */
function text(block: string, out: Rich): void {
  const lines = block.split('\n');
  lines.forEach((line, n) => {
    const nl = n < lines.length - 1 ? '\n' : '';
    const heading = /^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push({ b: plainInline(heading[1]!) }, nl);
      return;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      out.push(`${bullet[1]}• `);
      inline(bullet[2]!, out);
    } else inline(line, out);
    out.push(nl);
  });
}

/** Inline code, bold, italic and links, left to right; code spans first (nothing inside them is styled). */
const INLINE =
  /`([^`\n]+)`|\*\*(?!\s)(.+?)(?<!\s)\*\*|__(?!\s)(.+?)(?<!\s)__|(?<![\w*])\*(?![\s*])([^*\n]+?)(?<![\s*])\*(?![\w*])|(?<![\w_])_(?![\s_])([^_\n]+?)(?<![\s_])_(?![\w_])|\[([^\]\n]+)\]\((\S+?)\)/g;

function inline(line: string, out: Rich): void {
  let at = 0;
  for (const m of line.matchAll(INLINE)) {
    if (m.index! > at) out.push(line.slice(at, m.index));
    if (m[1] !== undefined) out.push({ code: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ b: plainInline(m[2] ?? m[3]!) });
    else if (m[4] !== undefined || m[5] !== undefined) out.push({ i: plainInline(m[4] ?? m[5]!) });
    else out.push(m[6] === m[7] ? m[7]! : `${m[6]} (${m[7]})`);
    at = m.index! + m[0].length;
  }
  if (at < line.length) out.push(line.slice(at));
}

/** Inside bold or a heading, markers of other styles are dropped (rich text does not nest). */
const plainInline = (s: string): string =>
  s
    .replace(/`([^`]+)`/g, '$1')
    .replace(/\*\*(.+?)\*\*|__(.+?)__/g, '$1$2')
    .replace(/\[([^\]]+)\]\((\S+?)\)/g, '$1 ($2)');

/** Adjacent plain strings joined, empty ones dropped: fewer segments, same text. */
function merge(rich: Rich): Rich {
  const out: Segment[] = [];
  for (const seg of rich) {
    if (seg === '') continue;
    const last = out[out.length - 1];
    if (typeof seg === 'string' && typeof last === 'string') out[out.length - 1] = last + seg;
    else out.push(seg);
  }
  return out;
}
