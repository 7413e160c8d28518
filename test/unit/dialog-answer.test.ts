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

    it('presses Enter only once the typed text is drawn: an Enter the CLI gets while taking the text in is dropped', async () => {
      // CI, on a loaded machine: three Enters in a row after the text were dropped and the answer failed.
      const question: Dialog = {
        kind: 'question',
        question: 'File name?',
        tool: 'ask_user',
        freeText: true,
        typing: true,
        field: 'Type your answer',
        options: [],
      };
      let screen: Dialog | undefined = question;
      let taking: string | undefined;
      const enters: string[] = [];
      const deps: AnswerDeps = {
        async press(keys) {
          if (!keys.includes('Enter')) return;
          enters.push(screen?.field === 'notes v2.txt' ? 'Enter after the text was drawn' : 'Enter while the text was taken in');
          if (screen?.field === 'notes v2.txt') screen = undefined;
        },
        async type(text) {
          taking = text;
        },
        // Time passes while the code waits: the CLI draws what it was taking in.
        async until(pred) {
          if (taking !== undefined && screen) [screen, taking] = [{ ...screen, field: taking }, undefined];
          const o = observe(screen, 1);
          return pred(o) ? o : undefined;
        },
        last: () => observe(screen, 1),
        leftDialogSince: () => false,
        onRepeat: () => undefined,
      };
      const gone = await answerDialog(deps, question, { keys: [], text: 'notes v2.txt', label: 'notes v2.txt' });
      expect(gone.reading.dialog).toBeUndefined();
      expect(enters).toEqual(['Enter after the text was drawn']);
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

  describe('a multi-select list (Gemini ask_user): a digit toggles, Enter sends only from the Done row', () => {
    const multi: Dialog = {
      kind: 'question',
      question: 'Which checks should run',
      tool: 'ask_user',
      freeText: true,
      typing: false,
      multiSelect: true,
      onSubmitRow: false,
      options: [
        { number: 1, label: 'Lint', selected: true, checked: false },
        { number: 2, label: 'Tests', selected: false, checked: false },
        { number: 3, label: 'Build', selected: false, checked: true },
      ],
    };
    /** Rows 1-3, then the Done row (4); a digit toggles its option and moves there; `lateDigit`: the first digit acts only on the next key. */
    function multiPane(opts: { lateDigit?: boolean; enterLost?: boolean; start?: Dialog } = {}) {
      let pending: string | undefined;
      const apply = (screen: Dialog | undefined, key: string): Dialog | undefined => {
        if (!screen) return screen;
        const at = screen.onSubmitRow ? 4 : (screen.options.find((o) => o.selected)?.number ?? 1);
        if (/^\d$/.test(key)) {
          const n = Number(key);
          return {
            ...screen,
            onSubmitRow: false,
            options: screen.options.map((o) => ({ ...o, selected: o.number === n, checked: o.number === n ? !o.checked : o.checked })),
          };
        }
        if (key === 'Down') {
          const next = (at % 4) + 1;
          return { ...screen, onSubmitRow: next === 4, options: screen.options.map((o) => ({ ...o, selected: o.number === next })) };
        }
        if (key === 'Enter' && screen.onSubmitRow && !opts.enterLost) return undefined;
        if (key === 'Enter') return { ...screen, options: screen.options.map((o) => (o.selected ? { ...o, checked: !o.checked } : o)) };
        return screen;
      };
      return pane(
        0,
        (screen, key) => {
          if (opts.lateDigit && /^\d$/.test(key) && pending === undefined) {
            pending = key;
            return screen;
          }
          return apply(screen, key);
        },
        opts.start ?? multi,
      );
    }

    it('ticks each asked option once (skipping one already ticked), unticks one not asked for, then Down to Done and one Enter', async () => {
      const start = { ...multi, options: multi.options.map((o) => (o.number === 2 ? { ...o, checked: true } : o)) };
      const p = multiPane({ start });
      const gone = await answerDialog(p.deps, start, { keys: [], tick: [1, 3], label: 'Lint, Build' });
      expect(gone.reading.dialog).toBeUndefined();
      expect(p.pressed).toEqual([['1'], ['2'], ['Down'], ['Down'], ['Enter']]);
    });

    it('a digit not seen to act is never pressed again, and nothing is sent', async () => {
      const p = multiPane({ lateDigit: true });
      await expect(answerDialog(p.deps, multi, { keys: [], tick: [2, 3], label: 'Tests, Build' })).rejects.toThrow(
        /option 2 .* was not seen ticked.*nothing was submitted/,
      );
      expect(p.pressed).toEqual([['2']]);
    });

    it('an Enter on Done that does not close the list is an error, not a second Enter', async () => {
      const p = multiPane({ enterLost: true });
      await expect(answerDialog(p.deps, multi, { keys: [], tick: [3], label: 'Build' })).rejects.toThrow(/still open .* after Enter on its submit row/);
      expect(p.pressed).toEqual([['Down'], ['Down'], ['Down'], ['Enter']]);
    });
  });

  it('one of several questions: a key not seen to act is not pressed again (it could answer the next question)', async () => {
    const first: Dialog = {
      kind: 'question',
      question: 'Which database',
      tool: 'ask_user',
      freeText: true,
      typing: false,
      questions: { count: 2, answered: 0, review: false },
      options: [
        { number: 1, label: 'Postgres', selected: true },
        { number: 2, label: 'SQLite', selected: false },
      ],
    };
    const p = pane(1, (screen) => (screen ? { ...screen, questions: { count: 2, answered: 1, review: false } } : screen), first);
    await expect(answerDialog(p.deps, first, { keys: ['2'], label: 'SQLite' })).rejects.toThrow(/up to 1 times/);
    expect(p.pressed).toEqual([['2']]);
    // The next question, even with the same text, is another dialog.
    expect(sameDialog({ ...first, questions: { count: 2, answered: 1, review: false } }, first)).toBe(false);
  });

  it('tells the same box from another on screen readings: a corrected command elsewhere does not count', () => {
    expect(sameDialog(select(write, 1), write)).toBe(true);
    expect(sameDialog({ ...write, file: 'other.md' }, write)).toBe(false);
    expect(sameDialog(undefined, write)).toBe(false);
  });
});

describe('an option outside the list window (Gemini: 3 entries drawn, more named by number)', () => {
  const region: Dialog = {
    kind: 'question',
    question: 'Which region should we deploy to?',
    tool: 'ask_user',
    freeText: true,
    typing: false,
    moreOptions: true,
    options: [
      { number: 1, label: 'Europe', selected: true },
      { number: 2, label: 'America', selected: false },
      { number: 3, label: 'Asia', selected: false },
    ],
  };
  /** The window scrolled to entries 3-5, the cursor on 5: the "Other" entry, whose field takes typed keys. */
  const onOther: Dialog = {
    ...region,
    typing: true,
    options: [
      { number: 3, label: 'Asia', selected: false },
      { number: 4, label: 'Africa', selected: false },
      { number: 5, label: 'Enter a custom value', selected: true },
    ],
  };

  it('is answered once its digit closes the question', async () => {
    const p = pane(0, (s, k) => (k === '4' ? undefined : s), region);
    const gone = await answerDialog(p.deps, region, { keys: ['4'], label: 'option 4', unseen: 4 });
    expect(gone.reading.dialog).toBeUndefined();
    expect(p.pressed).toEqual([['4']]);
  });

  it('a digit that only took the cursor to the entry for typed text answered nothing, says so, and takes the cursor out of the field (the digit never pressed again)', async () => {
    const p = pane(0, (s, k) => (k === '5' ? onOther : k === 'Down' ? region : s), region);
    const err = await answerDialog(p.deps, region, { keys: ['5'], label: 'option 5', unseen: 5, leaveField: ['Down'] }).catch((e: AegisError) => e);
    expect(err).toBeInstanceOf(AegisError);
    expect((err as AegisError).code).toBe('invalid_input');
    expect((err as AegisError).message).toMatch(
      /option 5 of the dialog "Which region should we deploy to\?" is its entry for typed text: nothing was answered, the cursor is back on option 1/,
    );
    expect(p.pressed).toEqual([['5'], ['Down']]);
  });

  it('a digit that never acts is pressed at most 3 times, then a timeout error', async () => {
    const p = pane(0, (s) => s, region);
    const err = await answerDialog(p.deps, region, { keys: ['4'], label: 'option 4', unseen: 4 }).catch((e: AegisError) => e);
    expect((err as AegisError).code).toBe('timeout');
    expect(p.pressed).toEqual([['4'], ['4'], ['4']]);
  });
});

describe('a multi-select list longer than its window (Gemini: 3 entries drawn, the cursor scrolls it)', () => {
  const LABELS = ['Lint', 'Tests', 'Build', 'Deploy', 'All of the above', 'Enter a custom value'];
  /** Entries 1-6 and the unnumbered Done row (7); a digit toggles its entry and moves there; the "Other" entry (6) has a field. */
  function windowedPane() {
    let cursor = 1;
    let top = 1;
    const checked = new Set<number>();
    const draw = (): Dialog => {
      if (cursor < top) top = cursor;
      if (cursor > top + 2) top = cursor - 2;
      const options = [top, top + 1, top + 2]
        .filter((n) => n <= 6)
        .map((n) => ({ number: n, label: LABELS[n - 1]!, selected: n === cursor, checked: checked.has(n) }));
      return {
        kind: 'question',
        question: 'Which checks should run',
        tool: 'ask_user',
        freeText: true,
        multiSelect: true,
        moreOptions: true,
        typing: cursor === 6,
        onSubmitRow: cursor === 7,
        options,
      };
    };
    const p = pane(
      0,
      (_screen, key) => {
        if (/^\d$/.test(key)) {
          cursor = Number(key);
          if (checked.has(cursor)) checked.delete(cursor);
          else checked.add(cursor);
        } else if (key === 'Down') cursor = (cursor % 7) + 1;
        else if (key === 'Enter' && cursor === 7) return undefined;
        return draw();
      },
      draw(),
    );
    return { ...p, checked, start: draw() };
  }

  it('visits an undrawn option with Down (each move seen), then ticks it by digit and submits from Done', async () => {
    const p = windowedPane();
    const gone = await answerDialog(p.deps, p.start, { keys: [], tick: [1, 4], label: 'Lint, option 4', unseen: 4, leaveField: ['Down'] });
    expect(gone.reading.dialog).toBeUndefined();
    expect([...p.checked].sort()).toEqual([1, 4]);
    expect(p.pressed).toEqual([['Down'], ['Down'], ['Down'], ['1'], ['4'], ['Down'], ['Down'], ['Down'], ['Enter']]);
  });

  it('an undrawn number that is the "Other" entry is refused before anything is ticked, the cursor taken out of its field', async () => {
    const p = windowedPane();
    const err = await answerDialog(p.deps, p.start, { keys: [], tick: [2, 6], label: 'Tests, option 6', unseen: 6, leaveField: ['Down'] }).catch(
      (e: AegisError) => e,
    );
    expect((err as AegisError).code).toBe('invalid_input');
    expect((err as AegisError).message).toMatch(/option 6 of .* takes typed text.*nothing was ticked/);
    expect(p.checked.size).toBe(0);
    expect(p.pressed.at(-1)).toEqual(['Down']);
    expect(p.deps.last()!.reading.dialog!.typing).toBe(false);
  });
});
