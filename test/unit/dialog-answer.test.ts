import { describe, expect, it } from 'vitest';
import type { Dialog, ScreenReading } from '../../src/agents/types.js';
import { answerDialog, sameDialog, type AnswerDeps } from '../../src/sessions/dialog-answer.js';
import type { Observation } from '../../src/sessions/observer.js';
import { AegisError } from '../../src/errors.js';

const write: Dialog = {
  kind: 'permission',
  title: 'Create file',
  question: 'Do you want to create notes.md?',
  file: 'notes.md',
  options: [
    { number: 1, label: 'Yes', selected: true },
    { number: 2, label: 'Yes, allow all edits during this session', selected: false },
    { number: 3, label: 'No', selected: false },
  ],
};

const observe = (dialog: Dialog | undefined, at: number): Observation => {
  const reading: ScreenReading = { state: dialog ? 'permission_prompt' : 'working', inputText: '', queued: [], turnFinished: false, dialog };
  return { state: reading.state!, dialog, reading, at, contentChangedAt: at };
};

/**
 * A pane that ignores the first `ignored` key presses (as 2.1.332 does right after drawing a dialog),
 * then applies each key with `apply`. `until` resolves at once against the screen after the keys:
 * the timing is the code's, not the test's, so nothing here waits.
 */
function pane(ignored: number, apply: (screen: Dialog | undefined, key: string) => Dialog | undefined, start: Dialog = write, leftDialog = false) {
  let screen: Dialog | undefined = start;
  let clock = 0;
  const pressed: string[][] = [];
  const typed: string[] = [];
  const deps: AnswerDeps = {
    async press(keys) {
      pressed.push(keys);
      if (pressed.length <= ignored) return;
      for (const k of keys) screen = apply(screen, k);
    },
    async type(text) {
      typed.push(text);
    },
    async until(pred) {
      const o = observe(screen, ++clock);
      return pred(o) ? o : undefined;
    },
    last: () => observe(screen, clock),
    leftDialogSince: () => leftDialog,
    onRepeat: () => undefined,
  };
  return { deps, pressed, typed };
}

const select = (d: Dialog, n: number): Dialog => ({ ...d, options: d.options.map((o) => ({ ...o, selected: o.number === n })) });
/** Digits answer; arrows move the cursor; Enter answers the selected option. */
const claudeKeys = (screen: Dialog | undefined, key: string): Dialog | undefined => {
  if (!screen) return screen;
  const at = screen.options.find((o) => o.selected)?.number ?? 1;
  if (key === 'Down') return select(screen, Math.min(at + 1, screen.options.length));
  if (key === 'Up') return select(screen, Math.max(at - 1, 1));
  return undefined;
};

describe('answering a dialog', () => {
  it('is done once the dialog is gone, pressing again keys that were ignored', async () => {
    const p = pane(2, claudeKeys);
    const gone = await answerDialog(p.deps, write, { keys: ['1'], label: 'Yes' });
    expect(gone.reading.dialog).toBeUndefined();
    expect(p.pressed).toEqual([['1'], ['1'], ['1']]);
  });

  it('confirms with Enter a digit that only moved the cursor onto its option (2.1.332 on "No")', async () => {
    // 2.1.332: a digit selects "No" (which Tab can amend) without answering; Enter answers the selection.
    const selectOnly = (screen: Dialog | undefined, key: string): Dialog | undefined => {
      if (!screen) return screen;
      if (/^\d$/.test(key)) return select(screen, Number(key));
      return key === 'Enter' ? undefined : claudeKeys(screen, key);
    };
    const p = pane(1, selectOnly);
    const gone = await answerDialog(p.deps, write, { keys: ['3'], label: 'No' });
    expect(gone.reading.dialog).toBeUndefined();
    expect(p.pressed).toEqual([['3'], ['3'], ['Enter']]);
  });

  it('presses at most 3 times, then fails with a timeout error, never a success', async () => {
    const p = pane(99, claudeKeys);
    const err = await answerDialog(p.deps, write, { keys: ['1'], label: 'Yes' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AegisError);
    expect((err as AegisError).code).toBe('timeout');
    expect((err as AegisError).message).toMatch(/Do you want to create notes\.md\?.*still open.*pressing 1/);
    expect(p.pressed).toHaveLength(3);
  });

  it('never presses again once the selection moved (the key was taken)', async () => {
    // This pane takes the key, moves the cursor, and has not closed the dialog yet.
    const p = pane(0, (screen) => (screen ? select(screen, 2) : screen));
    await expect(answerDialog(p.deps, write, { keys: ['1'], label: 'Yes' })).rejects.toThrow(/still open/);
    expect(p.pressed).toEqual([['1']]);
  });

  it('never presses again once the agent says it left the dialog, however slow its redraw', async () => {
    // The key is taken (status file: busy) but the screen still shows the dialog.
    const p = pane(0, (screen) => screen, write, true);
    await expect(answerDialog(p.deps, write, { keys: ['1'], label: 'Yes' })).rejects.toThrow(/still open/);
    expect(p.pressed).toEqual([['1']]);
  });

  it('never presses into another dialog: a new dialog counts as this one gone', async () => {
    const next: Dialog = { ...write, question: 'Do you want to create other.md?', file: 'other.md' };
    const p = pane(0, () => next);
    const gone = await answerDialog(p.deps, write, { keys: ['1'], label: 'Yes' });
    expect(gone.reading.dialog?.file).toBe('other.md');
    expect(p.pressed).toEqual([['1']]);
  });

  it('moves the cursor again when the arrows were ignored, then types the text once', async () => {
    const picker: Dialog = {
      kind: 'question',
      question: 'Which colour?',
      options: [
        { number: 1, label: 'Red', selected: true },
        { number: 2, label: 'Blue', selected: false },
        { number: 3, label: 'Type something.', selected: false },
      ],
    };
    const p = pane(1, (screen, key) => (key === 'Enter' ? undefined : claudeKeys(screen, key)), picker);
    await answerDialog(p.deps, picker, { keys: ['Down', 'Down'], text: 'green', label: 'Type something.' });
    expect(p.pressed).toEqual([['Down', 'Down'], ['Down', 'Down'], ['Enter']]);
    expect(p.typed).toEqual(['green']);
  });

  describe('a question whose text field may be scrolled out of view (Gemini ask_user)', () => {
    const asked: Dialog = {
      kind: 'question',
      question: 'Which colour?',
      tool: 'ask_user',
      freeText: true,
      typing: false,
      options: [
        { number: 1, label: 'Red', selected: true },
        { number: 2, label: 'Green', selected: false },
        { number: 3, label: 'Blue', selected: false },
      ],
    };
    /** Up from 1 wraps to the "Other" entry (4), scrolling the window; typed text becomes its label; Enter answers unless `enterLost`. */
    function geminiPane(opts: { ignoreUp?: boolean; enterLost?: number } = {}) {
      let enters = 0;
      const p = pane(
        0,
        (screen, key) => {
          if (!screen) return screen;
          if (key === 'Up' && !opts.ignoreUp)
            return {
              ...screen,
              typing: true,
              options: [...screen.options.slice(1).map((o) => ({ ...o, selected: false })), { number: 4, label: 'Enter a custom value', selected: true }],
            };
          if (key === 'Enter' && ++enters > (opts.enterLost ?? 0)) return undefined;
          return screen;
        },
        asked,
      );
      const press = p.deps.press;
      let typedScreen: Dialog | undefined;
      p.deps.type = async (text) => {
        p.typed.push(text);
        const now = p.deps.last()?.reading.dialog;
        typedScreen = now && { ...now, options: now.options.map((o) => (o.selected ? { ...o, label: text } : o)) };
      };
      // The typed label shows until a key changes the screen.
      const last = p.deps.last;
      p.deps.last = () => (typedScreen ? observe(typedScreen, 99) : last());
      p.deps.until = async (pred) => {
        const o = p.deps.last()!;
        return pred(o) ? o : undefined;
      };
      p.deps.press = async (keys) => {
        await press(keys);
        if (keys.includes('Enter') && enters > (opts.enterLost ?? 0)) typedScreen = undefined;
      };
      return p;
    }

    it('presses the moves once, types only once the cursor is in the field, then Enter', async () => {
      const p = geminiPane();
      const gone = await answerDialog(p.deps, asked, { keys: ['Up'], text: 'Purple', label: 'Purple' });
      expect(gone.reading.dialog).toBeUndefined();
      expect(p.pressed).toEqual([['Up'], ['Enter']]);
      expect(p.typed).toEqual(['Purple']);
    });

    it('presses Enter again when the first one after the text was dropped', async () => {
      const p = geminiPane({ enterLost: 1 });
      const gone = await answerDialog(p.deps, asked, { keys: ['Up'], text: 'Purple', label: 'Purple' });
      expect(gone.reading.dialog).toBeUndefined();
      expect(p.pressed).toEqual([['Up'], ['Enter'], ['Enter']]);
      expect(p.typed).toEqual(['Purple']);
    });

    it('types nothing when the cursor never reaches the field', async () => {
      const p = geminiPane({ ignoreUp: true });
      await expect(answerDialog(p.deps, asked, { keys: ['Up'], text: 'Purple', label: 'Purple' })).rejects.toThrow(
        /did not reach its text field.*nothing was typed/,
      );
      expect(p.typed).toEqual([]);
      expect(p.pressed).toEqual([['Up']]);
    });

    it('is not answered while the same question is open, though the typed text redrew its options; Enter is pressed again, the text never', async () => {
      const p = geminiPane({ enterLost: 99 });
      await expect(answerDialog(p.deps, asked, { keys: ['Up'], text: 'Purple', label: 'Purple' })).rejects.toThrow(/still open/);
      expect(p.pressed).toEqual([['Up'], ['Enter'], ['Enter'], ['Enter']]);
      expect(p.typed).toEqual(['Purple']);
    });
  });

  it('tells the same box from another on screen readings: a corrected command elsewhere does not count', () => {
    expect(sameDialog(select(write, 1), write)).toBe(true);
    expect(sameDialog({ ...write, file: 'other.md' }, write)).toBe(false);
    expect(sameDialog(undefined, write)).toBe(false);
  });
});
