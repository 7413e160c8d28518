/**
 * The terminal `ag watch` borrows: alternate screen, cursor hidden, no line wrap, raw input. Plain
 * ANSI/DEC sequences every terminal emulator and tmux understand, so it works over SSH too.
 */
const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l';
const LEAVE = '\x1b[?7h\x1b[?25h\x1b[?1049l';

export class FullScreen {
  private active = false;
  private lastFrame = '';

  constructor(
    private readonly input: NodeJS.ReadStream,
    private readonly output: NodeJS.WriteStream,
  ) {}

  get size(): { width: number; height: number } {
    return { width: this.output.columns || 80, height: this.output.rows || 24 };
  }

  enter(): void {
    if (this.active) return;
    this.active = true;
    this.lastFrame = '';
    this.input.setRawMode(true);
    this.input.resume();
    this.output.write(ENTER);
  }

  /** Gives the terminal back as it was; safe to call any number of times, from any exit path. */
  leave(): void {
    if (!this.active) return;
    this.active = false;
    try {
      this.input.setRawMode(false);
    } catch {
      /* the terminal is gone (SSH hung up): nothing to restore */
    }
    this.input.pause();
    this.output.write(LEAVE);
  }

  /** Draws the frame over the last one, only when it differs; each line clears what it leaves. */
  draw(lines: string[]): void {
    const frame = lines.join('\x1b[K\r\n');
    if (!this.active || frame === this.lastFrame) return;
    this.lastFrame = frame;
    this.output.write(`\x1b[H${frame}\x1b[K\x1b[J`);
  }

  /** The next draw paints the whole frame (after a resize, or coming back from the pane). */
  invalidate(): void {
    this.lastFrame = '';
  }
}
