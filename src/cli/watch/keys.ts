/** Keys of `ag watch`: raw terminal input to key names, and key names to actions. */

export type Key = 'up' | 'down' | 'enter' | 'escape' | 'backspace' | 'ctrl-c' | { char: string };

/** What a key asks for; every action but `move` and `quit` acts on the selected session. */
export type Action =
  { type: 'approve' } | { type: 'reject'; reason?: string } | { type: 'answer'; option: number } | { type: 'interrupt' } | { type: 'open' } | { type: 'quit' };

/** What the keys change: the selection, and the reason being typed after `r` (undefined otherwise). */
export interface KeyState {
  selected: number;
  reason?: string;
}

const SEQUENCES: [string, Key][] = [
  ['\x1b[A', 'up'],
  ['\x1bOA', 'up'],
  ['\x1b[B', 'down'],
  ['\x1bOB', 'down'],
  ['\r\n', 'enter'],
  ['\r', 'enter'],
  ['\n', 'enter'],
  ['\x7f', 'backspace'],
  ['\b', 'backspace'],
  ['\x03', 'ctrl-c'],
];

/**
 * Splits one chunk of raw input into keys. Sequences we do not use (other arrows, function keys)
 * are dropped whole, so their bytes never count as letters; a lone ESC is Escape.
 */
export function parseKeys(data: string): Key[] {
  const keys: Key[] = [];
  let i = 0;
  while (i < data.length) {
    const known = SEQUENCES.find(([seq]) => data.startsWith(seq, i));
    if (known) {
      keys.push(known[1]);
      i += known[0].length;
      continue;
    }
    if (data[i] === '\x1b') {
      const csi = /^\x1b(?:\[[0-9;?]*[ -/]*[@-~]|O[@-~])/.exec(data.slice(i));
      if (csi) i += csi[0].length;
      else {
        keys.push('escape');
        i += 1;
      }
      continue;
    }
    const ch = String.fromCodePoint(data.codePointAt(i)!);
    if (ch >= ' ') keys.push({ char: ch });
    i += ch.length;
  }
  return keys;
}

/**
 * The next key state and the action a key asks for. While a reason is typed, keys edit it (Enter
 * sends, Esc cancels); Ctrl-C quits in every mode.
 */
export function handleKey(state: KeyState, key: Key, rowCount: number): { state: KeyState; action?: Action } {
  if (key === 'ctrl-c') return { state, action: { type: 'quit' } };
  if (state.reason !== undefined) {
    if (key === 'escape') return { state: { selected: state.selected } };
    if (key === 'enter') return { state: { selected: state.selected }, action: { type: 'reject', reason: state.reason.trim() || undefined } };
    if (key === 'backspace') return { state: { ...state, reason: Array.from(state.reason).slice(0, -1).join('') } };
    if (typeof key === 'object') return { state: { ...state, reason: state.reason + key.char } };
    return { state };
  }
  const move = (by: number) => ({ state: { selected: Math.max(0, Math.min(rowCount - 1, state.selected + by)) } });
  if (key === 'up') return move(-1);
  if (key === 'down') return move(1);
  if (key === 'enter') return rowCount ? { state, action: { type: 'open' } } : { state };
  if (typeof key !== 'object') return { state };
  const c = key.char;
  if (c === 'k') return move(-1);
  if (c === 'j') return move(1);
  if (c === 'q') return { state, action: { type: 'quit' } };
  if (!rowCount) return { state };
  if (c === 'a') return { state, action: { type: 'approve' } };
  if (c === 'r') return { state: { ...state, reason: '' } };
  if (c === 'i') return { state, action: { type: 'interrupt' } };
  if (c === 'o') return { state, action: { type: 'open' } };
  if (/^[1-9]$/.test(c)) return { state, action: { type: 'answer', option: Number(c) } };
  return { state };
}
