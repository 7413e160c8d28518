import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonlTail } from '../../src/sessions/jsonl-tail.js';

describe('JsonlTail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-jsonl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a multi-byte character whole when a read ends inside it', () => {
    const path = join(dir, 'split.jsonl');
    const line = Buffer.from(`${JSON.stringify({ text: 'naïve café — 日本語 🚀' })}\n`, 'utf8');
    writeFileSync(path, '');
    const tail = new JsonlTail<{ text: string }>(path);
    // Cut inside the 4-byte rocket, then inside a 3-byte CJK character.
    const cuts = [line.indexOf(Buffer.from('🚀')) + 2, line.indexOf(Buffer.from('本')) + 1].sort((a, b) => a - b);
    const seen: { text: string }[] = [];
    let from = 0;
    for (const cut of [...cuts, line.length]) {
      appendFileSync(path, line.subarray(from, cut));
      seen.push(...tail.readNew());
      from = cut;
    }
    expect(seen).toEqual([{ text: 'naïve café — 日本語 🚀' }]);
  });

  it('returns only complete lines, skips foreign ones, and starts over on a replaced file', () => {
    const path = join(dir, 'lines.jsonl');
    writeFileSync(path, '{"n":1}\nnot json\n{"n":2');
    const tail = new JsonlTail<{ n: number }>(path);
    expect(tail.readNew()).toEqual([{ n: 1 }]);
    appendFileSync(path, '}\n');
    expect(tail.readNew()).toEqual([{ n: 2 }]);
    writeFileSync(path, '{"n":3}\n');
    expect(tail.readNew()).toEqual([{ n: 3 }]);
  });
});
