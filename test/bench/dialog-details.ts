import { mkdtempSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { App } from '../../src/app.js';
import { prepareClaudeHome } from '../fakes/claude-home.js';
import { startFakeAnthropic } from '../fakes/anthropic-server.js';
import { makeTestEnv } from '../helpers/env.js';
import { CLAUDE_RELEASES } from '../helpers/real-claude.js';
import { waitFor } from '../helpers/wait.js';
import { floorLine, floorRow } from './floors.js';
import { report } from './stats.js';

const now = () => performance.timeOrigin + performance.now();

/**
 * Bash dialogs of the real Claude Code (2.1.332 by default), in process: when the dialog is on the
 * pane (tmux capture-pane polled back to back), when Aegis reports `permission_prompt`, and when the
 * dialog's command is right. Floor: the capture poll's own period, the resolution of "on screen".
 */
export async function benchDialogDetails(dialogs = 10, version: keyof typeof CLAUDE_RELEASES = '2.1.332'): Promise<void> {
  const fake = await startFakeAnthropic();
  const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-bench-dialog-')));
  const home = await prepareClaudeHome({ workDirs: [workDir], apiKey: 'sk-ant-bench-0123456789abcdefghijkl', baseUrl: fake.url, claudeVersion: version });
  const t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: CLAUDE_RELEASES[version] });
  const app = new App({ env: t.env });
  try {
    await app.sessions.start();
    const { session } = await app.sessions.create({ workDir, agent: 'claude', env: home.env });
    const observer = () => app.sessions.monitor.observer(session.id);
    await waitFor(() => observer()?.last?.state === 'idle' && observer()?.reader !== undefined, { timeoutMs: 60_000, what: 'claude idle' });
    const state: number[] = [];
    const details: number[] = [];
    const periods: number[] = [];
    for (let i = 0; i < dialogs; i++) {
      const command = `touch ${workDir}/bench-${i}.txt`;
      await app.sessions.send(session.id, `RUN ${command}`);
      let onScreen = 0;
      let stateAt = 0;
      let detailsAt = 0;
      // Aegis's view, checked every millisecond in this process.
      const watch = setInterval(() => {
        const last = observer()?.last;
        if (!stateAt && last?.state === 'permission_prompt') stateAt = now();
        if (!detailsAt && last?.dialog?.command === command) detailsAt = now();
      }, 1);
      // The pane's view, captured back to back.
      const deadline = now() + 20_000;
      while (!onScreen && now() < deadline) {
        const t0 = now();
        const text = (await execa('tmux', ['-L', t.socket, 'capture-pane', '-p', '-t', session.tmuxPane!])).stdout;
        periods.push(now() - t0);
        if (text.includes('Do you want to proceed?')) onScreen = t0;
      }
      await waitFor(() => (stateAt && detailsAt ? true : undefined), { timeoutMs: 10_000, what: `dialog ${i} reported` });
      clearInterval(watch);
      state.push(Math.max(0, stateAt - onScreen));
      details.push(Math.max(0, detailsAt - onScreen));
      await app.sessions.reject(session.id);
      await waitFor(() => observer()?.last?.state === 'idle', { timeoutMs: 20_000, what: 'idle after reject' });
    }
    report(`Sessions: Bash dialog of the real Claude Code ${version} on screen -> reported (${dialogs} dialogs)`, [
      floorLine('capture poll period', periods),
      floorRow('state', state, periods),
      floorRow('details right', details, periods),
    ]);
  } finally {
    await app.close();
    t.cleanup();
    await fake.close();
    await home.cleanup();
  }
}
