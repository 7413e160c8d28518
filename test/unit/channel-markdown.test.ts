import { describe, expect, it } from 'vitest';
import { render, renderChunks } from '../../src/channels/format.js';
import { fromMarkdown } from '../../src/channels/markdown.js';

const REPLY = [
  '## Plan',
  'I changed **two** files in `src/app.ts` & <b>kept</b> the rest:',
  '- fixed *the* bug',
  '- see [the docs](https://example.com/a_b)',
  '',
  '```ts',
  'const ok = 1 < 2 && **not bold**;',
  '```',
  'snake_case_name and 2 * 3 stay as written.',
].join('\n');

describe('the agent’s Markdown on each channel', () => {
  it('reads headings, bold, italic, code, bullets, links and fenced code into rich text', () => {
    expect(fromMarkdown(REPLY)).toEqual([
      { b: 'Plan' },
      '\nI changed ',
      { b: 'two' },
      ' files in ',
      { code: 'src/app.ts' },
      ' & <b>kept</b> the rest:\n• fixed ',
      { i: 'the' },
      ' bug\n• see the docs (https://example.com/a_b)\n\n',
      { pre: 'const ok = 1 < 2 && **not bold**;' },
      '\nsnake_case_name and 2 * 3 stay as written.',
    ]);
  });

  it('renders Telegram HTML with everything else escaped', () => {
    expect(render(fromMarkdown(REPLY), 'telegram-html')).toBe(
      '<b>Plan</b>\nI changed <b>two</b> files in <code>src/app.ts</code> &amp; &lt;b&gt;kept&lt;/b&gt; the rest:\n• fixed <i>the</i> bug\n• see the docs (https://example.com/a_b)\n\n<pre>const ok = 1 &lt; 2 &amp;&amp; **not bold**;</pre>\nsnake_case_name and 2 * 3 stay as written.',
    );
  });

  it('renders WhatsApp markup (single asterisks, no stray ones), Slack mrkdwn and Discord Markdown', () => {
    const wa = render(fromMarkdown('Done: **all green**, *fast*.'), 'whatsapp');
    expect(wa).toBe('Done: *all green*, _fast_.');
    expect(wa).not.toContain('**');
    expect(render(fromMarkdown('**Note** <@U1> & `x`'), 'slack')).toBe('*Note* &lt;@U1&gt; &amp; `x`');
    expect(render(fromMarkdown('# Title\n**b** *i*\n```\ncode\n```'), 'discord')).toBe('**Title**\n**b** *i*\n```\ncode\n```');
  });

  it('keeps a code block that is longer than a message as code in every part, within the limit', () => {
    const long = Array.from({ length: 400 }, (_, i) => `line ${i} <tag>`).join('\n');
    const parts = renderChunks(fromMarkdown(`Here:\n\`\`\`\n${long}\n\`\`\``), 'telegram-html', 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    for (const p of parts.slice(1)) expect(p).toMatch(/^<pre>[\s\S]*<\/pre>$/);
    expect(parts.join('')).toContain('line 399 &lt;tag&gt;');
    // An unclosed fence (a cut reply) is still code.
    expect(fromMarkdown('see:\n```\nnpm test')).toEqual(['see:\n', { pre: 'npm test' }]);
  });
});
