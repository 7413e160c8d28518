/**
 * What an agent's input box says of a long paste it collapsed to a placeholder
 * (`[Pasted text #1 +39 lines]`, `[Pasted Text: 7 lines]`, `[Pasted Content 5550 chars]`): each
 * agent's screen rules name its placeholder with groups `lines`, `breaks` (line breaks: "+39 lines"
 * for 40 lines) or `chars`; delivery compares them with the text it pasted.
 */
export interface PasteSize {
  lines?: number;
  breaks?: number;
  chars?: number;
}

/** The size the box's placeholder names, when the box holds one collapsed paste and nothing else. */
export function readPaste(box: string, placeholder: RegExp): PasteSize | undefined {
  const m = placeholder.exec(box.trim());
  if (!m || m.index !== 0 || m[0].length !== box.trim().length) return undefined;
  const n = (name: string) => (m.groups?.[name] !== undefined ? Number(m.groups[name]) : undefined);
  return { lines: n('lines'), breaks: n('breaks'), chars: n('chars') };
}

/**
 * Whether a collapsed paste of this size can be `text`. Counts as each agent may: characters as code
 * points or UTF-16 units, lines with or without a trailing line break.
 */
export function pasteFits(size: PasteSize, text: string): boolean {
  const breaks = [text, text.replace(/\n+$/u, '')].map((t) => t.split('\n').length - 1);
  const chars = [[...text].length, text.length];
  return (
    (size.chars === undefined || chars.includes(size.chars)) &&
    (size.lines === undefined || breaks.some((b) => b + 1 === size.lines)) &&
    (size.breaks === undefined || breaks.includes(size.breaks))
  );
}
