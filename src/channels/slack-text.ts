/**
 * Slack's inbound message text as the person typed it. Slack escapes `&`, `<` and `>` as entities and
 * writes links, mentions and dates in angle brackets (`<https://x|label>`, `<@U123>`, `<#C1|general>`,
 * `<!here>`, `<!date^…|fallback>`): an agent given that form would read `&lt;` where `<` was meant.
 * See Slack's "Formatting text for app surfaces".
 */

const unescape = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** A link whose label is its own address (Slack links what was typed as `example.com`) reads as the label; any other as `label (address)`. */
function link(target: string, label: string | undefined): string {
  if (label === undefined) return target;
  return target.replace(/^(https?:\/\/|mailto:)/, '') === label ? label : `${label} (${target})`;
}

/** One `<…>` of Slack's markup, without its brackets, as it reads. */
function decodeMarkup(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? undefined : unescape(inner.slice(bar + 1));
  if (target.startsWith('@')) return label !== undefined ? `@${label.replace(/^@/, '')}` : target;
  if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
  // Special mentions (<!here>, <!channel>), user groups (<!subteam^S1|@team>) and dates (<!date^…|fallback>).
  if (target.startsWith('!')) return label ?? `@${target.slice(1)}`;
  return link(unescape(target), label);
}

export function decodeSlackText(text: string): string {
  return text
    .split(/(<[^<>]*>)/)
    .map((part) => (part.startsWith('<') && part.endsWith('>') ? decodeMarkup(part.slice(1, -1)) : unescape(part)))
    .join('');
}
