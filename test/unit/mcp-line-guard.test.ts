import { describe, expect, it } from 'vitest';
import { idFromHead, idFromTail, LineGuard, type OversizedLine } from '../../src/mcp/line-guard.js';

async function run(chunks: Buffer[], max: number): Promise<{ out: string; dropped: OversizedLine[] }> {
  const dropped: OversizedLine[] = [];
  const guard = new LineGuard((l) => dropped.push(l), max);
  const out: Buffer[] = [];
  guard.on('data', (b: Buffer) => out.push(b));
  const ended = new Promise((r) => guard.on('end', r));
  for (const c of chunks) guard.write(c);
  guard.end();
  await ended;
  return { out: Buffer.concat(out).toString(), dropped };
}

describe('LineGuard', () => {
  it('passes lines within the limit whole, however they are chunked', async () => {
    const text = '{"a":1}\n{"b":"22"}\n';
    const chunks = [...Buffer.from(text)].map((b) => Buffer.from([b]));
    expect((await run(chunks, 16)).out).toBe(text);
  });

  it('drops a line over the limit, reports its size and id, and keeps the lines around it', async () => {
    const big = `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"x":"${'y'.repeat(100)}"}}`;
    const { out, dropped } = await run([Buffer.from(`{"ok":1}\n${big.slice(0, 30)}`), Buffer.from(`${big.slice(30)}\n{"ok":2}\n`)], 64);
    expect(out).toBe('{"ok":1}\n{"ok":2}\n');
    expect(dropped).toEqual([{ bytes: big.length + 1, id: 7 }]);
  });

  it('finds the id at the end when params come first (the SDK client writes it so)', async () => {
    const big = `{"method":"tools/call","params":{"arguments":{"id":"inner","k":"${'z'.repeat(200)}"}},"jsonrpc":"2.0","id":"abc"}`;
    const { dropped } = await run([Buffer.from(`${big}\n`)], 64);
    expect(dropped[0]!.id).toBe('abc');
  });
});

describe('request id of an oversized line', () => {
  it('takes only the top-level id', () => {
    expect(idFromHead('{"params":{"id":5},"id":9,"x":"')).toBe(9);
    expect(idFromHead('{"method":"id","params":{"id":5,"t":"xxx')).toBeUndefined();
    expect(idFromHead('{"id":"a\\"b","method"')).toBe('a"b');
    expect(idFromTail('"x":{"id":3}}')).toBeUndefined();
    expect(idFromTail(',"jsonrpc":"2.0","id":12}')).toBe(12);
  });
});
