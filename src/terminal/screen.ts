import xterm from '@xterm/headless';

/**
 * A headless terminal emulator holding what one tmux pane shows, so detectors read the rendered
 * screen (after cursor moves, erases and redraws) instead of the raw byte stream.
 *
 * Two ways in, because tmux hands us two different kinds of text:
 * - `write(raw)`: terminal output as the program wrote it, e.g. the payload of a control-mode
 *   `%output` line (after the tmux layer has undone its octal escaping). It already carries its own
 *   CR/LF and cursor movements and is fed unchanged. Prefer `Uint8Array` chunks: xterm keeps a
 *   multi-byte UTF-8 character that is split across two chunks intact, a string decoded per chunk
 *   would not.
 * - `writeCapture(text)`: the output of `tmux capture-pane -p [-e]`, i.e. one screen row per line
 *   ending in a bare `\n`. Fed as is, each `\n` would only move the cursor down and the next row
 *   would start where the previous one ended, so rows are joined with `\r\n` instead.
 */
export class TerminalScreen {
  readonly #term: xterm.Terminal;

  constructor(cols: number, rows: number, opts: { scrollback?: number } = {}) {
    this.#term = new xterm.Terminal({
      cols,
      rows,
      scrollback: opts.scrollback ?? 1000,
      allowProposedApi: true,
      // xterm logs through console.*; on the MCP stdio server stdout belongs to the protocol.
      logLevel: 'off',
    });
  }

  get cols(): number {
    return this.#term.cols;
  }

  get rows(): number {
    return this.#term.rows;
  }

  /** Feeds raw terminal output; resolves once xterm has parsed it (writes are applied in order). */
  write(data: string | Uint8Array): Promise<void> {
    return new Promise((resolve) => this.#term.write(data, resolve));
  }

  /**
   * `write` for the output stream: calls `parsed` once xterm has parsed it, with no promise per chunk,
   * and parses it now when nothing is queued, rather than on the timer xterm otherwise sets per write
   * (a wakeup of the whole process per line of output, the largest cost of many printing panes).
   * xterm parses the first write after user input at once; an empty `input` marks that (a headless
   * terminal has no pty: nothing is sent anywhere). Chunks queued behind an earlier write keep their order.
   */
  feed(data: Uint8Array, parsed: () => void): void {
    this.#term.input('', true);
    this.#term.write(data, parsed);
  }

  /**
   * Replaces the visible screen with a `capture-pane -p [-e]` capture. The capture does not say where
   * the cursor is: a caller that goes on feeding raw output must put the cursor where tmux reports
   * it (`#{cursor_x},#{cursor_y}`) with a CUP sequence. Terminal modes (scroll region, alternate
   * screen, bracketed paste) are not part of a capture and are not restored.
   */
  writeCapture(text: string): Promise<void> {
    // A capture ends every row, the last one included, with `\n`; a trailing newline would scroll
    // the screen up by one row once the capture fills it.
    const rows = text.endsWith('\n') ? text.slice(0, -1) : text;
    // Home + clear first so the capture replaces the screen instead of being appended below it;
    // SGR reset so colours from before do not leak into rows the capture leaves uncoloured.
    return this.write(`\x1b[0m\x1b[H\x1b[2J${rows.split('\n').join('\r\n')}`);
  }

  resize(cols: number, rows: number): void {
    this.#term.resize(cols, rows);
  }

  /**
   * The visible rows as text: wide characters once (xterm leaves an empty spacer cell after them,
   * which `translateToString` skips), each row right-trimmed (spaces Ink wrote explicitly and the
   * U+00A0 after an empty prompt included), trailing empty rows dropped.
   * `withoutHints`: each row's inline hint (see `hintStart`) is left out, for readers of an input box.
   */
  lines(opts: { withoutHints?: boolean } = {}): string[] {
    const buffer = this.#term.buffer.active;
    const out: string[] = [];
    const cell = buffer.getNullCell();
    for (let y = 0; y < this.#term.rows; y++) {
      const line = buffer.getLine(buffer.baseY + y);
      // translateToString trims spaces only; trimEnd takes other white space too (the same set as \s).
      const text = line ? line.translateToString(true).trimEnd() : '';
      const end = text && opts.withoutHints ? hintStart(line!, cell) : undefined;
      out.push(end === undefined ? text : line!.translateToString(true, 0, end).trimEnd());
    }
    while (out.length > 0 && out[out.length - 1] === '') out.pop();
    return out;
  }

  text(): string {
    return this.lines().join('\n');
  }

  /** Cursor position within the visible screen, 0-based. */
  cursor(): { x: number; y: number } {
    const buffer = this.#term.buffer.active;
    return { x: buffer.cursorX, y: buffer.cursorY };
  }

  /** Back to a blank screen with default modes (RIS); pending writes are applied after it. */
  reset(): void {
    this.#term.reset();
  }

  dispose(): void {
    this.#term.dispose();
  }
}

/**
 * Where a row's inline hint starts: text an input box draws that nobody typed, a completion
 * (Claude Code 2.1.197 shows `run /comp` as `run /compact`) or a placeholder. Ink draws it the
 * same way each time: its own cursor, one inverse cell holding the hint's first character, then
 * the rest (if any) dim to the end of the row. Typed text is never dim, and after typing the cursor
 * cell is a space; a highlighted run (several inverse cells) is not a cursor. Undefined when the
 * row ends otherwise. One cost: a cursor a person moved onto the last typed character reads as a
 * one-character hint.
 */
function hintStart(line: xterm.IBufferLine, cell: xterm.IBufferCell): number | undefined {
  let x = line.length - 1;
  while (x >= 0 && isBlank(line.getCell(x, cell)!)) x--;
  while (x >= 0 && line.getCell(x, cell)!.isDim() && !cell.isInverse()) x--;
  // `cell` holds column x: the loop above read it last.
  if (x <= 0) return undefined;
  // A wide character's spacer cell is empty: the character itself sits one cell to the left.
  if (cell.getWidth() === 0) line.getCell(--x, cell);
  if (!cell.isInverse() || cell.isDim() || cell.getChars().trim() === '' || x === 0) return undefined;
  return line.getCell(x - 1, cell)!.isInverse() ? undefined : x;
}

function isBlank(cell: xterm.IBufferCell): boolean {
  return !cell.isInverse() && (cell.getChars() === '' || cell.getChars() === ' ');
}

/** Renders one piece of terminal output (or a capture, see `asCapture`) on a fresh screen. */
export async function renderAnsi(ansi: string, cols: number, rows: number, opts: { asCapture?: boolean } = {}): Promise<string[]> {
  const screen = new TerminalScreen(cols, rows, { scrollback: 0 });
  try {
    await (opts.asCapture ? screen.writeCapture(ansi) : screen.write(ansi));
    return screen.lines();
  } finally {
    screen.dispose();
  }
}
