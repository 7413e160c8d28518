import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectClaudeScreen } from '../../src/agents/claude/detect.js';
import { CLAUDE_2_1_197, CLAUDE_2_1_332 } from '../../src/agents/claude/screen-rules.js';
import { detectCodexScreen } from '../../src/agents/codex/detect.js';
import { detectGeminiScreen } from '../../src/agents/gemini/detect.js';
import { boxHolds } from '../../src/terminal/typed-text.js';
import { ROOT } from '../helpers/env.js';

/**
 * A box in shell mode, as each agent draws it (seen on the real Claude Code 2.1.197 and 2.1.332, Codex
 * 0.171.0 and Gemini CLI 0.61.0 after a `!` typed first), put into a captured idle screen.
 */
const lines = (path: string) => readFileSync(path, 'utf8').split('\n');
const claudeIdle = lines(join(ROOT, 'test', 'fixtures', 'claude-code-2.1.332', 'screens', '02-reply-idle.txt'));
const codexIdle = lines(join(ROOT, 'test', 'fixtures', 'codex-0.171.0', 'screens', '05-after-approval.txt'));
const geminiIdle = lines(join(ROOT, 'test', 'fixtures', 'gemini-cli-0.61.0', 'screens', 'idle.txt'));
const swap = (screen: string[], from: RegExp, to: string) => screen.map((l) => (from.test(l) ? to : l));

describe('shell mode: a box that would run its text as a command is read as such', () => {
  it('Claude Code: `! echo hi` and the empty `! ` box, on both rule sets', () => {
    const shell = (box: string) => swap(swap(claudeIdle, /^❯[\s\u00a0]$/u, box), /\? for shortcuts/u, '  ! for shell mode');
    // Both rule sets read the box line alike (2.1.332's capture; the line is the same on 2.1.197).
    for (const rules of [CLAUDE_2_1_197, CLAUDE_2_1_332]) {
      expect(detectClaudeScreen(shell('! echo hi'), rules)).toMatchObject({ inputText: 'echo hi', inputMode: 'shell' });
      expect(detectClaudeScreen(shell('!\u00a0'), rules)).toMatchObject({ inputText: '', inputMode: 'shell' });
    }
    expect(detectClaudeScreen(shell('! echo hi'), CLAUDE_2_1_332).state).toBe('idle');
    expect(detectClaudeScreen(claudeIdle, CLAUDE_2_1_332).inputMode).toBeUndefined();
  });

  it('Codex: the `!` composer', () => {
    const shell = (box: string) => swap(codexIdle, /^› Ask Codex to do anything$/u, box);
    expect(detectCodexScreen(shell('! echo hi'))).toMatchObject({ state: 'idle', inputText: 'echo hi', inputMode: 'shell' });
    expect(detectCodexScreen(shell('!'))).toMatchObject({ inputText: '', inputMode: 'shell' });
    expect(detectCodexScreen(codexIdle).inputMode).toBeUndefined();
  });

  it('Gemini CLI: the ` ! ` box and its own placeholder', () => {
    const shell = (box: string) => swap(geminiIdle, /^ > {3}Type your message/u, box);
    expect(detectGeminiScreen(shell(' ! echo hi'))).toMatchObject({ state: 'idle', inputText: 'echo hi', inputMode: 'shell' });
    expect(detectGeminiScreen(shell(' !   Type your shell command'))).toMatchObject({ inputText: '', inputMode: 'shell' });
    // A literal "!" typed into a prompt is a prompt.
    expect(detectGeminiScreen(shell(' > !echo hi'))).toMatchObject({ inputText: '!echo hi' });
    expect(detectGeminiScreen(shell(' > !echo hi')).inputMode).toBeUndefined();
  });

  it('a box in shell mode never holds a prompt, even with the same text', () => {
    expect(boxHolds({ inputText: 'echo hi', inputMode: 'shell' }, 'echo hi')).toBe(false);
    expect(boxHolds({ inputText: 'echo hi' }, 'echo hi')).toBe(true);
    // A box that scrolls (its rows all drawn) counts when it shows the text's end, not its middle.
    const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    const tail = (from: number, to: number) => ({ inputText: text.split('\n').slice(from, to).join('\n'), inputTail: true });
    expect(boxHolds(tail(20, 30), text)).toBe(true);
    expect(boxHolds(tail(10, 20), text)).toBe(false);
    expect(boxHolds({ inputText: tail(20, 30).inputText }, text)).toBe(false);
  });
});
