import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/agents/registry.js';
import { SessionObserver } from '../../src/sessions/observer.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { TerminalScreen } from '../../src/terminal/screen.js';
import { waitFor } from '../helpers/wait.js';

/**
 * The emulator can fall out of step with the pane (seen in the messaging tests under load: an idle
 * screen with the new permission dialog drawn below it, so the session read as idle). The quiet
 * check heals that, but a pane that never goes quiet (a spinner, a dialog redrawn every second) never
 * gets one; it must be checked while it prints too.
 */
describe('SessionObserver and a pane that never goes quiet', () => {
  it('notices that its emulator disagrees with tmux while output keeps flowing, and seeds it again', async () => {
    const record: SessionRecord = {
      id: 'heal',
      name: 'heal',
      agent: 'shell',
      argv: ['bash'],
      workDir: '/tmp',
      permissionMode: 'default',
      state: 'idle',
      stateSince: Date.now(),
      lastActivity: Date.now(),
      tmuxPane: '%7',
      promptDelivered: true,
      createdAt: Date.now(),
    };
    const truth = 'the pane as tmux shows it\nDo you want to proceed?';
    let captures = 0;
    const observer = new SessionObserver(record, PROFILES.shell, new TerminalScreen(80, 24), {
      // The first capture raced the output and is stale; tmux shows the truth from then on.
      capture: async () => ({ text: captures++ === 0 ? 'a stale screen' : truth, cursor: { x: 0, y: 1 } }),
      captureText: async () => truth,
      paneStatus: async () => ({ dead: false, width: 80, height: 24 }),
      onObservation: () => {},
      onTurnFinished: () => {},
      onError: (err) => {
        throw err;
      },
    });
    // Output that moves the cursor and draws nothing, every 100 ms: the pane is never quiet.
    const ticker = setInterval(() => observer.feed(new TextEncoder().encode('\x1b[2;1H')), 100);
    try {
      await observer.seed();
      expect(observer.screen.lines()[0]).toBe('a stale screen');
      await waitFor(() => observer.screen.lines()[0] === 'the pane as tmux shows it', { timeoutMs: 15_000, what: 'the emulator seeded again from tmux' });
      expect(observer.screen.lines()[1]).toBe('Do you want to proceed?');
      expect(captures).toBe(2);
    } finally {
      clearInterval(ticker);
      observer.dispose();
    }
  }, 30_000);
});
