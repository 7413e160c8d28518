import { describe, expect, it } from 'vitest';
import type { Dialog } from '../../src/agents/types.js';
import { plainText } from '../../src/channels/format.js';
import { dialogLine, optionLines } from '../../src/messaging/present.js';
import { dialogLine as cliDialogLine } from '../../src/render/session.js';
import { revealInvisible } from '../../src/util/text.js';

/** What an approval on a phone shows must read as what runs: characters that change the reading without being seen are shown. */
describe('revealInvisible', () => {
  it('names bidi controls, zero-width and format characters and invisible tags', () => {
    expect(revealInvisible('echo safe \u202e > x')).toBe('echo safe ⟨U+202E⟩ > x');
    expect(revealInvisible('r\u200bm -rf \u2066a\u2069')).toBe('r⟨U+200B⟩m -rf ⟨U+2066⟩a⟨U+2069⟩');
    expect(revealInvisible('ok\u{E0041}')).toBe('ok⟨U+E0041⟩');
    expect(revealInvisible('soft\u00adhyphen\ufeff')).toBe('soft⟨U+00AD⟩hyphen⟨U+FEFF⟩');
  });

  it('keeps what joins an emoji, and text without such characters as it is', () => {
    expect(revealInvisible('👨‍👩‍👧 ✔️ done')).toBe('👨‍👩‍👧 ✔️ done');
    // A ZWJ after a skin tone or an emoji-style selector joins too.
    expect(revealInvisible('👩🏽\u200d💻 ❤️\u200d🔥')).toBe('👩🏽\u200d💻 ❤️\u200d🔥');
    expect(revealInvisible('a\u200db')).toBe('a⟨U+200D⟩b');
    const plain = 'npm test -- --grep "é 日本"';
    expect(revealInvisible(plain)).toBe(plain);
  });

  it('is applied to the command, the question and the options a phone or a terminal is shown', () => {
    const d: Dialog = {
      kind: 'permission',
      tool: 'Bash',
      question: 'Run \u202eit?',
      command: 'echo safe \u202e > x',
      options: [{ number: 1, label: 'Yes \u202e', selected: true }],
    };
    expect(plainText(dialogLine(d))).toContain('echo safe ⟨U+202E⟩ > x');
    expect(plainText(dialogLine({ ...d, command: undefined }))).toContain('Run ⟨U+202E⟩it?');
    expect(plainText(optionLines(d))).toBe('\n1. Yes ⟨U+202E⟩');
    // The same dialog in a terminal (ag wait, ag watch).
    expect(cliDialogLine(d)).toBe('permission Bash: echo safe ⟨U+202E⟩ > x');
  });
});
