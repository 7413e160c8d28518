import { describe, expect, it } from 'vitest';
import { plainText, render, renderChunks, type Rich } from '../../src/channels/format.js';

const sample: Rich = ['🔐 ', { b: 'claude-1a2b' }, ' wants to use ', { b: 'Bash' }, ' ', { code: 'echo "a<b" && rm x' }, '\nReply ', { i: 'approve 3f2' }];

describe('rich text per channel', () => {
  it('writes emphasis the way each channel reads it and escapes what its markup would misread', () => {
    expect(render(sample, 'telegram-html')).toBe(
      '🔐 <b>claude-1a2b</b> wants to use <b>Bash</b> <code>echo "a&lt;b" &amp;&amp; rm x</code>\nReply <i>approve 3f2</i>',
    );
    expect(render(sample, 'whatsapp')).toBe('🔐 *claude-1a2b* wants to use *Bash* `echo "a<b" && rm x`\nReply _approve 3f2_');
    expect(render(sample, 'slack')).toBe('🔐 *claude-1a2b* wants to use *Bash* `echo "a&lt;b" &amp;&amp; rm x`\nReply _approve 3f2_');
    expect(render(sample, 'discord')).toBe('🔐 **claude-1a2b** wants to use **Bash** `echo "a<b" && rm x`\nReply *approve 3f2*');
    expect(render(sample, 'plain')).toBe(plainText(sample));
  });

  it('keeps blanks outside emphasis markers (WhatsApp ignores "* bold*")', () => {
    expect(render([{ b: ' bold ' }], 'whatsapp')).toBe(' *bold* ');
    expect(render([{ b: '   ' }], 'whatsapp')).toBe('   ');
  });

  it('writes out what would make a chat show other text than was sent: bidi controls, zero-width characters', () => {
    const reply: Rich = ['✅ done: tests pass \u202eliaf\u202c', { code: 'rm\u200b -rf x' }];
    for (const markup of ['telegram-html', 'whatsapp', 'slack', 'discord', 'plain'] as const) expect(render(reply, markup)).toContain('⟨U+202E⟩liaf⟨U+202C⟩');
    expect(plainText(reply)).toBe('✅ done: tests pass ⟨U+202E⟩liaf⟨U+202C⟩rm⟨U+200B⟩ -rf x');
    expect(renderChunks(reply, 'telegram-html', 4096)).toEqual(['✅ done: tests pass ⟨U+202E⟩liaf⟨U+202C⟩<code>rm⟨U+200B⟩ -rf x</code>']);
  });

  it('never interprets text we did not write as markup', () => {
    expect(render(['<b>not bold</b> & *stars*'], 'telegram-html')).toBe('&lt;b&gt;not bold&lt;/b&gt; &amp; *stars*');
  });

  it('keeps code holding backticks one code span or block on every channel', () => {
    const notice: Rich = [{ b: 'Bash' }, ' ', { code: 'rm -rf `cat dirs.txt` /tmp/x' }, ' ||hidden?||'];
    // Discord reads a span fenced by two backticks to the next two; Slack and WhatsApp have no such fence: a look-alike, said so.
    expect(render(notice, 'discord')).toBe('**Bash** `` rm -rf `cat dirs.txt` /tmp/x `` ||hidden?||');
    expect(render(notice, 'slack')).toBe('*Bash* `rm -rf \u02cbcat dirs.txt\u02cb /tmp/x` (\u02cb stands for a backtick) ||hidden?||');
    expect(render(notice, 'whatsapp')).toBe('*Bash* `rm -rf \u02cbcat dirs.txt\u02cb /tmp/x` (\u02cb stands for a backtick) ||hidden?||');
    expect(render(notice, 'telegram-html')).toBe('<b>Bash</b> <code>rm -rf `cat dirs.txt` /tmp/x</code> ||hidden?||');
    expect(render([{ code: '`a` and ``b``' }], 'discord')).toBe('`` `a` and \u02cb\u02cbb\u02cb\u02cb `` (\u02cb stands for a backtick)');
    const block: Rich = [{ pre: 'say:\n```\nx `y`\n```' }];
    expect(render(block, 'discord')).toBe('```\nsay:\n\u02cb\u02cb\u02cb\nx `y`\n\u02cb\u02cb\u02cb\n``` (\u02cb stands for a backtick)');
    expect(render(block, 'slack')).toBe('```say:\n\u02cb\u02cb\u02cb\nx \u02cby\u02cb\n\u02cb\u02cb\u02cb``` (\u02cb stands for a backtick)');
    // Code without backticks reads as before, and the plain text kept in records is the real command.
    expect(render([{ code: 'npm test' }], 'slack')).toBe('`npm test`');
    expect(plainText(notice)).toBe('Bash rm -rf `cat dirs.txt` /tmp/x ||hidden?||');
  });

  it('keeps the first part within a shorter first limit (a caption), styled parts included', () => {
    const chunks = renderChunks(['Build ', { code: 'x'.repeat(40) }, ' done'], 'telegram-html', 100, 30);
    expect(chunks[0]!.length).toBeLessThanOrEqual(30);
    for (const c of chunks) expect((c.match(/<code>/g) ?? []).length).toBe((c.match(/<\/code>/g) ?? []).length);
    expect(chunks).toEqual(['Build', `<code>${'x'.repeat(40)}</code> done`]);
  });

  it('splits long code holding backticks into parts that are each whole code within the limit', () => {
    const code = 'echo `date` && '.repeat(30);
    for (const markup of ['discord', 'slack', 'whatsapp'] as const) {
      const chunks = renderChunks([{ code }], markup, 80);
      expect(chunks.length).toBeGreaterThan(3);
      for (const c of chunks) {
        expect(c.length).toBeLessThanOrEqual(80);
        expect(c).toMatch(markup === 'discord' ? /^`` [^]* ``$/ : /^`[^`]*` \(\u02cb stands for a backtick\)$/);
      }
    }
  });
});

describe('splitting long messages', () => {
  it('cuts at line breaks, then word breaks, within the limit', () => {
    expect(renderChunks(['aaaa bbbb\ncccc dddd eeee'], 'plain', 12)).toEqual(['aaaa bbbb', 'cccc dddd', 'eeee']);
    expect(renderChunks(['x'.repeat(25)], 'plain', 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never cuts a surrogate pair in two', () => {
    const text = '🚀'.repeat(10);
    const chunks = renderChunks([text], 'plain', 5);
    for (const c of chunks) expect(c).not.toMatch(/^[\udc00-\udfff]|[\ud800-\udbff]$/);
    expect(chunks.join('')).toBe(text);
  });

  it('never cuts what a person sees as one character: a flag, a ZWJ family, a letter and its accent', () => {
    const clusters = (s: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(s)].map((g) => g.segment);
    for (const [text, limit] of [
      ['🇩🇪'.repeat(10), 6],
      ['👨\u200d👩\u200d👧'.repeat(4), 10],
      ['e\u0301'.repeat(9), 5],
      ['ok 🇺🇦🇺🇦 ne\u0301e\u0301 👩\u200d💻 done', 7],
    ] as const) {
      const chunks = renderChunks([text], 'plain', limit);
      for (const c of chunks) expect(c.length).toBeLessThanOrEqual(limit);
      // Every message is whole clusters of the text: none starts or ends inside one.
      const seen = (s: string) => clusters(s).filter((g) => g !== ' ');
      expect(chunks.flatMap(seen)).toEqual(seen(text));
    }
  });

  it('packs rich text into messages within the limit, measuring the escaped text', () => {
    const long = Array.from({ length: 400 }, (_, i) => `w${i} <&>`).join(' ');
    const chunks = renderChunks([{ b: 'Header' }, '\n', long, '\n', { b: 'Footer' }], 'telegram-html', 500);
    expect(chunks.length).toBeGreaterThan(5);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(500);
    // Every tag opened in a message is closed in it.
    for (const c of chunks) expect((c.match(/<b>/g) ?? []).length).toBe((c.match(/<\/b>/g) ?? []).length);
    const joined = chunks.join(' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    for (const w of ['w0 <&>', 'w199 <&>', 'w399 <&>', 'Header', 'Footer']) expect(joined).toContain(w);
  });

  it('splits a styled block longer than a message and styles every part', () => {
    const chunks = renderChunks([{ pre: 'x'.repeat(250) }], 'discord', 100);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(100);
      expect(c.startsWith('```\n') && c.endsWith('\n```')).toBe(true);
    }
  });

  it('keeps a short message whole', () => {
    expect(renderChunks(sample, 'whatsapp', 4096)).toEqual([render(sample, 'whatsapp')]);
  });
});
