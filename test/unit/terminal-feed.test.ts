import { describe, expect, it } from 'vitest';
import { TerminalScreen } from '../../src/terminal/screen.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Pane output is parsed in the callback that received it, not on a timer per chunk (test/bench/scale.ts:
 * that timer was a wakeup of `ag mcp` per line of every printing pane), and in order with writes before it.
 */
describe('TerminalScreen.feed', () => {
  it('parses a chunk at once when nothing is queued, and calls back', () => {
    const screen = new TerminalScreen(40, 5);
    try {
      let parsed = 0;
      screen.feed(bytes('first line\r\n'), () => parsed++);
      expect(parsed).toBe(1);
      screen.feed(bytes('second line'), () => parsed++);
      expect(parsed).toBe(2);
      expect(screen.lines()).toEqual(['first line', 'second line']);
    } finally {
      screen.dispose();
    }
  });

  it('keeps the order of a chunk fed behind a write still queued', async () => {
    const screen = new TerminalScreen(40, 5);
    try {
      const queued = screen.write('queued ');
      let parsed = false;
      screen.feed(bytes('then fed'), () => (parsed = true));
      await queued;
      await new Promise<void>((resolve) => screen.feed(bytes(''), resolve));
      expect(parsed).toBe(true);
      expect(screen.lines()).toEqual(['queued then fed']);
    } finally {
      screen.dispose();
    }
  });
});
