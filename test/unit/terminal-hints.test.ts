import { describe, expect, it } from 'vitest';
import { renderAnsi, TerminalScreen } from '../../src/terminal/screen.js';

const INV = '\x1b[7m';
const DIM = '\x1b[0;2m';
const RESET = '\x1b[0m';

async function rows(ansi: string): Promise<{ plain: string[]; typed: string[] }> {
  const screen = new TerminalScreen(40, 4);
  try {
    await screen.write(ansi);
    return { plain: screen.lines(), typed: screen.lines({ withoutHints: true }) };
  } finally {
    screen.dispose();
  }
}

/**
 * An input box's inline hint (a completion, a placeholder) is drawn as Ink's cursor cell over the
 * hint's first character, the rest dim. Readers of the box leave it out; everything else stays.
 */
describe('TerminalScreen.lines without inline hints', () => {
  it('leaves out a completion drawn after the typed text (Claude Code 2.1.197: run /comp → run /compact)', async () => {
    const r = await rows(`❯ run /comp${INV}a${DIM}ct${RESET}`);
    expect(r.plain).toEqual(['❯ run /compact']);
    expect(r.typed).toEqual(['❯ run /comp']);
  });

  it('leaves out a one-character completion and a placeholder in an empty box', async () => {
    expect((await rows(`❯ please /hel${INV}p${RESET}`)).typed).toEqual(['❯ please /hel']);
    expect((await rows(`❯ ${INV}P${DIM}ress up to edit queued messages${RESET}`)).typed).toEqual(['❯']);
  });

  it('keeps typed text: the cursor after it, a cursor inside it, a highlighted run, dim text without a cursor', async () => {
    for (const line of [
      `❯ run /compact${INV} ${RESET}`,
      `❯ run /com${INV}p${RESET}act`,
      `  ${INV}Selected option${RESET}`,
      `  note ${DIM}dim words${RESET}`,
      `❯ run ${INV}a${DIM}ct${RESET} more`,
    ]) {
      const r = await rows(line);
      expect(r.typed, JSON.stringify(line)).toEqual(r.plain);
    }
  });

  it('finds the hint behind a wide character and keeps the wide characters typed before it', async () => {
    expect((await rows(`❯ 日本 /comp${INV}a${DIM}ct${RESET}`)).typed).toEqual(['❯ 日本 /comp']);
    expect((await rows(`❯ x ${INV}日${DIM}本語${RESET}`)).typed).toEqual(['❯ x']);
  });

  it('reads only the hint row differently, rows below stay', async () => {
    const r = await rows(`❯ run /comp${INV}a${DIM}ct${RESET}\r\n────\r\n  footer`);
    expect(r.typed).toEqual(['❯ run /comp', '────', '  footer']);
    expect(await renderAnsi(`❯ run /comp${INV}a${DIM}ct${RESET}`, 40, 4)).toEqual(['❯ run /compact']);
  });
});
