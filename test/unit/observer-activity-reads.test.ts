import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/agents/registry.js';
import { SessionObserver, type Observation } from '../../src/sessions/observer.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { TerminalScreen } from '../../src/terminal/screen.js';
import { waitFor } from '../helpers/wait.js';

/**
 * A shell (no screen rules: working while output flows) that keeps printing cannot change state while
 * it prints, so its screen is not read on every chunk: at once on the first output after quiet, then
 * at most every 2 s, and the last output of a burst is still read. This was the per-line cost of 100
 * printing shells on one `ag mcp` (test/bench/scale.ts).
 */
describe('SessionObserver reading a printing shell', () => {
  it('reads the first output at once, then at most every 2 s while it prints, and the last output too', async () => {
    const record: SessionRecord = {
      id: 'reads',
      name: 'reads',
      agent: 'shell',
      argv: ['bash'],
      workDir: '/tmp',
      permissionMode: 'default',
      state: 'idle',
      stateSince: Date.now(),
      lastActivity: Date.now(),
      tmuxPane: '%9',
      promptDelivered: true,
      createdAt: Date.now(),
    };
    const observations: Observation[] = [];
    const screen = new TerminalScreen(80, 24);
    const observer = new SessionObserver(record, PROFILES.shell, screen, {
      capture: async () => ({ text: '$', cursor: { x: 2, y: 0 } }),
      // tmux agrees with the emulator: no seeding again in this test.
      captureText: async () => screen.lines().join('\n'),
      paneStatus: async () => ({ dead: false, width: 80, height: 24 }),
      onObservation: (o) => observations.push(o),
      onTurnFinished: () => {},
      onError: (err) => {
        throw err;
      },
    });
    let n = 0;
    let lastFedAt = 0;
    const feed = () => {
      lastFedAt = Date.now();
      observer.feed(new TextEncoder().encode(`line ${++n}\r\n`));
    };
    let ticker: NodeJS.Timeout | undefined;
    try {
      await observer.seed();
      await waitFor(() => observer.last?.state === 'idle', { what: 'the quiet shell idle' });
      observations.length = 0;
      ticker = setInterval(feed, 50);
      const working = await waitFor(() => observations.find((o) => o.state === 'working'), { what: 'the first output read as working' });
      const fromIndex = observations.indexOf(working);
      const from = working.at;
      await waitFor(() => Date.now() - from >= 5_000, { timeoutMs: 30_000, what: '5 s of printing' });
      clearInterval(ticker);
      ticker = undefined;
      const stoppedAt = Date.now();
      const printedLines = n;
      const readsWhilePrinting = observations.slice(fromIndex + 1).filter((o) => o.at <= stoppedAt);
      // Every 50 ms a line: 100 chunks in 5 s were each read before; now one read per 2 s (and timers only run late).
      expect(printedLines).toBeGreaterThan(20);
      expect(readsWhilePrinting.length).toBeLessThanOrEqual(Math.ceil((stoppedAt - from) / 2_000) + 1);
      // The end of the burst is read: its content change and then idle by quiet.
      await waitFor(() => observer.last?.state === 'idle' && observer.last.contentChangedAt >= lastFedAt, {
        timeoutMs: 15_000,
        what: 'the last output read, then idle',
      });
      expect(screen.lines().at(-1)).toBe(`line ${printedLines}`);
    } finally {
      clearInterval(ticker);
      observer.dispose();
    }
  }, 60_000);
});
