import { describe, expect, it } from 'vitest';
import { findJsonSyntaxError } from '../../src/util/json-syntax.js';

describe('findJsonSyntaxError', () => {
  it('names line and column of the first wrong character', () => {
    expect(findJsonSyntaxError('{\n  "a": 1,\n}')).toMatchObject({ line: 3, column: 1, problem: expect.stringContaining('property name') });
    expect(findJsonSyntaxError('{"a": tru}')).toMatchObject({ line: 1, column: 7 });
    expect(findJsonSyntaxError('{"é": "x"\n "b": 2}')).toMatchObject({ line: 2, column: 2, problem: expect.stringContaining(', or }') });
    expect(findJsonSyntaxError('{"a": "x')).toMatchObject({ line: 1, problem: expect.stringContaining('not closed') });
    expect(findJsonSyntaxError('')).toMatchObject({ line: 1, column: 1, problem: expect.stringContaining('end of the file') });
    expect(findJsonSyntaxError('{} x')).toMatchObject({ column: 4, problem: 'unexpected text after the JSON value' });
  });

  it('agrees with JSON.parse on every one-character change of a real config', () => {
    const text = JSON.stringify({ tmux: { socket: 'aegis' }, log: { level: 'info' }, n: [1, -2.5e3, true, false, null], s: 'a\\"b\\u00e9\n' }, null, 2);
    const edits = ['', ',', '}', '"', ':', '\\', 'x', '1', '\n', '[', '-'];
    let checked = 0;
    for (let i = 0; i <= text.length; i++) {
      for (const e of edits) {
        for (const mutated of [text.slice(0, i) + e + text.slice(i + 1), text.slice(0, i) + e + text.slice(i)]) {
          let valid = true;
          try {
            JSON.parse(mutated);
          } catch {
            valid = false;
          }
          expect(findJsonSyntaxError(mutated) === undefined, JSON.stringify(mutated)).toBe(valid);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });
});
