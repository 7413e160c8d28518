import { describe, expect, it } from 'vitest';
import type { WatchRow } from '../../src/cli/watch/model.js';
import { lastLine } from '../../src/cli/watch/model.js';
import { age, KEY_HELP, renderFrame, type WatchView } from '../../src/cli/watch/render.js';
import { fit, width } from '../../src/cli/watch/text.js';

const NOW = 1_800_000_000_000;
const row = (over: Partial<WatchRow> = {}): WatchRow => ({
  id: '0123456789abcdef',
  name: 'fix-login',
  agent: 'claude',
  state: 'idle',
  since: NOW - 5_000,
  queued: 0,
  ...over,
});
const view = (over: Partial<WatchView> = {}): WatchView => ({ rows: [], selected: 0, width: 80, height: 24, now: NOW, color: false, ...over });

/** A line with a label and nothing after it (`dialog:`, `last:`, `queued`, `stage`) is an empty field. */
const EMPTY_FIELD = /(?:^|\s)(?:[\w.]+:|queued|stage)\s*$/;

describe('ag watch frame', () => {
  it('fits 80x24: every line at most 80 columns, exactly 24 lines, long names/commands/replies cut with …', () => {
    const long = 'x'.repeat(300);
    const rows = [
      row({
        state: 'permission_prompt',
        since: NOW - 12_000,
        dialog: { kind: 'permission', question: 'Do you want to proceed?', options: [], tool: 'Bash', command: `npm test -- ${long}` },
      }),
      row({
        id: 'fedcba9876543210',
        name: `a-very-long-session-name-${long}`,
        state: 'working',
        since: NOW - 125_000,
        lastLine: `said ${long}`,
        queued: 2,
        stage: 'release/build',
      }),
      row({ id: 'aaaabbbbccccdddd', name: 'wide', lastLine: '漢字'.repeat(60) }),
    ];
    const lines = renderFrame(view({ rows, status: `approved ${long}` }));
    expect(lines).toHaveLength(24);
    for (const l of lines) expect(width(l), l).toBeLessThanOrEqual(80);
    expect(lines[0]).toBe('ag watch  3 sessions, 1 waiting on you');
    expect(lines[1]).toMatch(/^> fix-login +01234567 {2}claude {2}permission_prompt 12s$/);
    expect(lines[2]).toMatch(/^ {4}permission Bash: npm test -- x+…$/);
    expect(lines[3]).toMatch(/^ {2}a-very-long-session… {2}fedcba98 {2}claude {2}working 2m05s {2}queued 2$/);
    expect(lines[4]).toMatch(/^ {4}stage release\/build {2}last: said x+…$/);
    expect(lines[6]).toMatch(/^ {4}last: (漢字)+…$/);
    expect(lines[22]).toMatch(/^approved x+…$/);
    expect(lines[23]).toBe(KEY_HELP);
  });

  it('prints no empty field: no dialog and no reply is one line; no queue, no stage leave their labels out', () => {
    const lines = renderFrame(view({ rows: [row(), row({ id: 'ffff0000', name: 'other', lastLine: lastLine('\n\n  \n') })] }));
    expect(lines.slice(1, 3)).toEqual(['> fix-login  01234567  claude  idle 5s', '  other      ffff0000  claude  idle 5s']);
    for (const l of lines) expect(l).not.toMatch(EMPTY_FIELD);
    expect(lastLine('first\nsecond line  \n\n')).toBe('second line');
  });

  it('a question shows its options, for the digit keys', () => {
    const dialog = {
      kind: 'question' as const,
      question: 'Which database?',
      options: [1, 2].map((n) => ({ number: n, label: n === 1 ? 'Postgres' : 'SQLite', selected: n === 1 })),
    };
    expect(renderFrame(view({ rows: [row({ state: 'asking', dialog })] }))[2]).toBe('    question Which database?  [1 Postgres · 2 SQLite]');
  });

  it('text from an agent cannot move the cursor or change colours: control characters become spaces', () => {
    const lines = renderFrame(view({ rows: [row({ name: 'n\x1b[2Jx', lastLine: 'ok\x1b]0;title\x07done\x9b31m' })] }));
    expect(lines.join('\n')).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
  });

  it('keeps the selected session on screen when there are more than fit', () => {
    const rows = Array.from({ length: 30 }, (_, i) => row({ id: `id${String(i).padStart(6, '0')}`, name: `s${i}`, lastLine: `line ${i}` }));
    const lines = renderFrame(view({ rows, selected: 25 }));
    expect(lines).toHaveLength(24);
    expect(lines.some((l) => l.startsWith('> s25 '))).toBe(true);
    expect(lines[1]).not.toMatch(/^. s0 /);
    expect(renderFrame(view({ rows, selected: 0 }))[1]).toMatch(/^> s0 /);
  });

  it('colour: the selected line in inverse video only when colour is allowed', () => {
    expect(renderFrame(view({ rows: [row()], color: true }))[1]).toBe('\x1b[7m> fix-login  01234567  claude  idle 5s\x1b[0m');
    expect(renderFrame(view({ rows: [row()] })).join('')).not.toContain('\x1b');
  });

  it('no sessions: says how to start one; a reason being typed replaces the key help', () => {
    const lines = renderFrame(view({ reason: 'use pnpm' }));
    expect(lines[1]).toBe('no sessions yet: start one with ag create "brief" --work-dir DIR');
    expect(lines[23]).toBe('reason (Enter sends, empty for none; Esc cancels): use pnpm');
  });

  it('ages and fitting', () => {
    expect([age(0), age(59_999), age(60_000), age(3_599_000), age(3_600_000), age(90_000_000)]).toEqual(['0s', '59s', '1m00s', '59m59s', '1h00m', '1d']);
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('漢字漢字', 5)).toBe('漢字…');
    expect(fit('abc', 3)).toBe('abc');
  });

  it('measures and cuts by what a person sees as one character: joined emoji, flags and accents stay whole', () => {
    const family = '👨\u200d👩\u200d👧';
    const flag = '🇫🇷';
    const accented = 'e\u0301';
    expect([width(family), width(flag), width(accented), width('❤️')]).toEqual([2, 2, 1, 2]);
    // A cut never leaves half a family or half a flag behind.
    expect(fit(`ab${family}cd`, 4)).toBe('ab…');
    expect(fit(`ab${family}cd`, 5)).toBe(`ab${family}…`);
    expect(fit(`${flag}${flag}${flag}`, 4)).toBe(`${flag}…`);
    expect(fit(`${accented}${accented}${accented}`, 3)).toBe(`${accented}${accented}${accented}`);
  });
});
