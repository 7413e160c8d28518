import { describe, expect, it } from 'vitest';
import { CLAUDE_2_1_197, CLAUDE_2_1_332 } from '../../src/agents/claude/screen-rules.js';
import { CODEX_0_171_0 } from '../../src/agents/codex/screen-rules.js';
import { pasteFits, readPaste } from '../../src/agents/paste-placeholder.js';

const forty = Array.from({ length: 40 }, (_, i) => `line ${i + 1} — ünïcödé`).join('\n');

describe('collapsed pastes: the size a placeholder names, against the text pasted', () => {
  it("Claude Code counts line breaks (40 lines: '+39 lines'), on every rule set", () => {
    for (const rules of [CLAUDE_2_1_197, CLAUDE_2_1_332]) {
      const size = readPaste('[Pasted text #1 +39 lines]', rules.layout.pastePlaceholder)!;
      expect(size).toEqual({ breaks: 39, lines: undefined, chars: undefined });
      expect(pasteFits(size, forty)).toBe(true);
      expect(pasteFits(size, `${forty}\nline 41`)).toBe(false);
      // A trailing line break may or may not be counted.
      expect(pasteFits(size, `${forty}\n`)).toBe(true);
    }
  });

  it('Codex counts characters (code points or UTF-16 units)', () => {
    const size = readPaste('[Pasted Content 5550 chars]', CODEX_0_171_0.pastePlaceholder)!;
    expect(pasteFits(size, 'x'.repeat(5550))).toBe(true);
    expect(pasteFits(size, 'x'.repeat(5549))).toBe(false);
    expect(pasteFits({ chars: 2 }, '😀')).toBe(true);
    expect(pasteFits({ chars: 1 }, '😀')).toBe(true);
  });

  it('only a box that is the placeholder alone holds a paste', () => {
    const re = CODEX_0_171_0.pastePlaceholder;
    expect(readPaste('  [Pasted Content 10 chars] ', re)).toEqual({ chars: 10, lines: undefined, breaks: undefined });
    expect(readPaste('see [Pasted Content 10 chars]', re)).toBeUndefined();
    expect(readPaste('[Pasted Content 10 chars][Pasted Content 12 chars]', re)).toBeUndefined();
    expect(readPaste('', re)).toBeUndefined();
  });
});
