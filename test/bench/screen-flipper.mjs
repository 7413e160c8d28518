#!/usr/bin/env node
// Benchmark stand-in for an agent: it replays real Claude Code 2.1.197 (or, FLIPPER_SET=codex, Codex
// 0.171.0) screens (idle, working, permission prompt) in a loop and logs the exact moment each screen was written, so the bench can
// measure how long Aegis takes to report the state the screen shows.
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Aegis asks `claude --version` to choose its screen rules: these are 2.1.197's screens.
if (process.argv.slice(2).includes('--version')) {
  process.stdout.write('2.1.197 (Claude Code)\n');
  process.exit(0);
}
const dir = process.env.FLIPPER_SCREENS;
const log = process.env.FLIPPER_LOG;
const count = Number(process.env.FLIPPER_COUNT ?? 60);
const gapMs = Number(process.env.FLIPPER_GAP_MS ?? 250);
const SETS = {
  claude: [
    ['idle', '01-startup-idle.ansi'],
    ['working', '03-working-spinner.ansi'],
    ['permission_prompt', '08-permission-bash.ansi'],
  ],
  codex: [
    ['idle', '05-after-approval.txt'],
    ['working', '02-working.txt'],
    ['permission_prompt', '03-command-approval.txt'],
  ],
};
const screens = SETS[process.env.FLIPPER_SET ?? 'claude'].map(([state, file]) => [
  state,
  readFileSync(join(dir, file), 'utf8').replace(/\n$/, '').replace(/\n/g, '\r\n'),
]);

const now = () => performance.timeOrigin + performance.now();
let i = 0;
function next() {
  const [state, text] = screens[i % screens.length];
  // One write per screen: clear, home, draw; the time is taken once the write is handed to the pty.
  process.stdout.write(`\x1b[H\x1b[2J${text}`, () => appendFileSync(log, `${JSON.stringify({ i, state, t: now() })}\n`));
  i++;
  if (i < count) setTimeout(next, gapMs);
}
setTimeout(next, 500);
process.stdin.resume();
