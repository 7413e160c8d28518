import { describe, expect, it } from 'vitest';
import { joinWrapped } from '../../src/agents/screen-lines.js';
import { boxHolds, samePrompt } from '../../src/terminal/typed-text.js';

/**
 * What real agents did with such text (Claude Code 2.1.197 and 2.1.332, pasted into the box): an `e`
 * plus U+0301 drawn as one `é`; a zero-width space, soft hyphen and BOM not drawn; bidi controls drawn
 * as U+FFFD; a tab drawn (and sent) as four spaces; 2.1.332 losing the last person of a ZWJ family.
 */
describe('comparing sent text with what the agent shows and logs', () => {
  const box = (inputText: string) => ({ inputText });

  it('a box shows decomposed text composed, and drops invisible characters', () => {
    expect(boxHolds(box('combining é and ñ here'), 'combining e\u0301 and n\u0303 here')).toBe(true);
    expect(boxHolds(box('zero width ab end'), 'zero width a\u200bb end')).toBe(true);
    expect(boxHolds(box('softhyphen ok'), 'soft\u00adhyphen ok')).toBe(true);
    expect(boxHolds(box('bom  ok'), 'bom \ufeff ok')).toBe(true);
    expect(boxHolds(box('bidi \ufffdabc\ufffd ok'), 'bidi \u202eabc\u202c ok')).toBe(true);
    expect(boxHolds(box('tab    inside'), 'tab\tinside')).toBe(true);
  });

  it('a box may draw emoji in part, and still must show every other character', () => {
    const sent = 'emoji 👨‍👩‍👧 family and 👍🏽 thumbs';
    expect(boxHolds(box('emoji 👨‍👩‍ family and 👍🏽 thumbs'), sent)).toBe(true);
    expect(boxHolds(box('emoji 👨‍👩‍👧family and 👍 thumbs'), sent)).toBe(true);
    expect(boxHolds(box('emoji 👨‍👩‍👧 family and 👍🏽 thumb'), sent)).toBe(false);
    expect(boxHolds(box('emoji 👨‍👩‍👧 family and 👍🏽 thumbs x'), sent)).toBe(false);
    expect(boxHolds(box('combining e and n here'), 'combining e\u0301 and n\u0303 here')).toBe(false);
  });

  it('a logged prompt matches once composed and without invisible characters, not without its emoji', () => {
    expect(samePrompt('combining é here', 'combining e\u0301 here')).toBe(true);
    expect(samePrompt('ab', 'a\u200bb')).toBe(true);
    expect(samePrompt('tab    inside', 'tab\tinside')).toBe(true);
    expect(samePrompt('thumbs 👍', 'thumbs 👎')).toBe(false);
    expect(samePrompt('combining e here', 'combining é here')).toBe(false);
  });
});

describe('joinWrapped: rows an agent wrapped at spaces, read back', () => {
  it('keeps a line break where the next word would have fitted, joins a wrap with a space', () => {
    expect(joinWrapped(['echo one', 'echo two > two.txt'], 40)).toBe('echo one\necho two > two.txt');
    expect(joinWrapped(['echo aaaa bbbb', 'cccc > f'], 15)).toBe('echo aaaa bbbb cccc > f');
    expect(joinWrapped(['echo aaaa', 'bbbbbbbbbbb'], 15)).toBe('echo aaaa bbbbbbbbbbb');
    expect(joinWrapped(['only'], 10)).toBe('only');
  });
});
