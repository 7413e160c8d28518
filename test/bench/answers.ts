import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INSTALLED_RELEASES, startRealClaudeWorld } from '../helpers/real-claude.js';
import { call } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';
import { ratio } from './floors.js';
import { fmt, median, percentile, report } from './stats.js';

const now = () => performance.timeOrigin + performance.now();
/** The floor's condition: the dialog has been drawn this long, so Claude Code takes the first key. */
const SETTLED_MS = 1_500;

/**
 * Answering a dialog on the real Claude Code, per installed release: `session_approve` sent the moment
 * `session_wait` reports a Write prompt, until it returns with the dialog gone from the screen. The floor
 * is the same call made once the dialog has been on screen for SETTLED_MS (one press, one redraw), in the
 * same run; the ratio shows what the ignored keys and the presses again cost.
 */
export async function benchAnswers(dialogs = 10): Promise<void> {
  for (const release of process.env.BENCH_RELEASE ? INSTALLED_RELEASES.filter((r) => r === process.env.BENCH_RELEASE) : INSTALLED_RELEASES) {
    const world = await startRealClaudeWorld('bench-answer', release);
    const { mcp, home, workDir } = world;
    try {
      const s = await call<{ id: string }>(mcp.client, 'session_create', { workDir, env: home.env });
      await call(mcp.client, 'session_wait', { id: s.id, states: ['idle'], timeoutSeconds: 30 });
      const atOnce: number[] = [];
      const settled: number[] = [];
      let failed = 0;
      /** The answer was taken, but session_wait reported idle before the allowed tool had run. */
      let idleEarly = 0;
      for (let n = 0; n < dialogs * 2; n++) {
        const file = join(workDir, `answer-${n}.txt`);
        await call(mcp.client, 'session_send', { id: s.id, text: `WRITE ${file} n${n}` });
        await call(mcp.client, 'session_wait', { id: s.id, states: ['permission_prompt'], timeoutSeconds: 30 });
        const floor = n % 2 === 1;
        if (floor) await new Promise((r) => setTimeout(r, SETTLED_MS));
        const t0 = now();
        const r = await mcp.client.callTool({ name: 'session_approve', arguments: { id: s.id } });
        const took = now() - t0;
        const idle = await call<{ state: string; waitedMs: number }>(mcp.client, 'session_wait', { id: s.id, states: ['idle'], timeoutSeconds: 30 });
        if (r.isError || !existsSync(file)) {
          if (r.isError) failed++;
          else idleEarly++;
          const later = await waitFor(() => existsSync(file), { timeoutMs: 5_000 }).catch(() => false);
          const approved = JSON.stringify((r.structuredContent as { state?: string } | undefined)?.state);
          const why = r.isError
            ? (r.content as { text: string }[])[0]?.text
            : `reported done (state ${approved}); session_wait idle -> ${idle.state} after ${idle.waitedMs} ms; the file ${later ? 'appeared later' : 'never appeared'}`;
          process.stderr.write(`${release} dialog ${n} (${floor ? 'settled' : 'at once'}): ${why}\n`);
          continue;
        }
        (floor ? settled : atOnce).push(took);
      }
      report(`Sessions: approve the moment a dialog appears -> dialog gone, Claude Code ${release} (${dialogs} + ${dialogs} Write prompts)`, [
        ['at once p50 / p95', `${fmt(median(atOnce))} / ${fmt(percentile(atOnce, 95))}`],
        [`floor (dialog settled ${SETTLED_MS / 1000} s) p50 / p95`, `${fmt(median(settled))} / ${fmt(percentile(settled, 95))}`],
        ['ratio at once / floor p50 / p95', `${ratio(median(atOnce), median(settled))} / ${ratio(percentile(atOnce, 95), percentile(settled, 95))}`],
        ['answers failed (error) or lost', `${failed}/${dialogs * 2}  (goal 0)`],
        ['idle reported before the allowed tool ran', `${idleEarly}/${dialogs * 2}  (goal 0; 2.1.332: its hook spinner line is read as idle)`],
      ]);
    } finally {
      await world.close();
    }
  }
}
