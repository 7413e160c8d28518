import { describe, expect, it } from 'vitest';
import { handleKey, parseKeys, type Action, type Key, type KeyState } from '../../src/cli/watch/keys.js';

/** Feeds raw input through parse and handle, collecting the actions, as the view does. */
function press(input: string, rows = 3, start: KeyState = { selected: 0 }): { state: KeyState; actions: Action[] } {
  let state = start;
  const actions: Action[] = [];
  for (const key of parseKeys(input)) {
    const next = handleKey(state, key, rows);
    state = next.state;
    if (next.action) actions.push(next.action);
  }
  return { state, actions };
}

describe('ag watch keys', () => {
  it('parses arrows (normal and application mode), Enter, Backspace, Ctrl-C, Escape and letters; drops other sequences whole', () => {
    const keys: Key[] = parseKeys('\x1b[A\x1bOB\r\x7f\x03j\x1b[1;5C\x1b[15~q\x1b');
    expect(keys).toEqual(['up', 'down', 'enter', 'backspace', 'ctrl-c', { char: 'j' }, { char: 'q' }, 'escape']);
  });

  it('arrows and j/k move the selection within the list', () => {
    expect(press('jjjj').state.selected).toBe(2);
    expect(press('\x1b[B\x1b[B\x1b[A').state.selected).toBe(1);
    expect(press('kk\x1b[A').state.selected).toBe(0);
    expect(press('j', 0).state.selected).toBe(0);
  });

  it('a approves, i interrupts, digits answer, o and Enter open, q and Ctrl-C quit', () => {
    expect(press('a').actions).toEqual([{ type: 'approve' }]);
    expect(press('i').actions).toEqual([{ type: 'interrupt' }]);
    expect(press('39').actions).toEqual([
      { type: 'answer', option: 3 },
      { type: 'answer', option: 9 },
    ]);
    expect(press('0').actions).toEqual([]);
    expect(press('o\r').actions).toEqual([{ type: 'open' }, { type: 'open' }]);
    expect(press('q').actions).toEqual([{ type: 'quit' }]);
    expect(press('\x03').actions).toEqual([{ type: 'quit' }]);
  });

  it('with no sessions only moving and quitting do anything', () => {
    expect(press('ai1o\rr', 0).actions).toEqual([]);
    expect(press('ai1o\rr', 0).state.reason).toBeUndefined();
    expect(press('q', 0).actions).toEqual([{ type: 'quit' }]);
  });

  it('r asks for a reason: letters (q, a, digits too) are typed, Backspace edits, Enter rejects with it', () => {
    const typed = press('rno, use pnpm! 1qa\x7f\x7f');
    expect(typed.actions).toEqual([]);
    expect(typed.state.reason).toBe('no, use pnpm! 1');
    expect(press('rno, use pnpm\r').actions).toEqual([{ type: 'reject', reason: 'no, use pnpm' }]);
    expect(press('rno, use pnpm\r').state.reason).toBeUndefined();
  });

  it('an empty reason rejects without one; Esc cancels; Ctrl-C still quits while typing', () => {
    expect(press('r  \r').actions).toEqual([{ type: 'reject', reason: undefined }]);
    const cancelled = press('rabc\x1b');
    expect(cancelled.actions).toEqual([]);
    expect(cancelled.state.reason).toBeUndefined();
    expect(press('rab\x03').actions).toEqual([{ type: 'quit' }]);
    expect(press('rä漢\x7f').state.reason).toBe('ä');
  });
});
