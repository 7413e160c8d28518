import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_TEXT_BYTES } from '../../src/terminal/typed-text.js';
import { makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { connectMcp } from '../helpers/mcp-client.js';
import { runCli } from '../helpers/cli.js';
import { call, callError, waitState } from '../helpers/sessions.js';
import { waitFor } from '../helpers/wait.js';

const RECORDER = join(ROOT, 'test', 'fixtures', 'recorder-agent', 'recorder-agent.mjs');
const START = '\x1b[200~';
const END = '\x1b[201~';

/** A single line of `bytes` bytes (ASCII, so bytes = characters) that shows where a cut or a repeat happened. */
const line = (bytes: number) => Array.from({ length: bytes }, (_, i) => (i % 100 === 99 ? ' ' : String.fromCharCode(48 + (((i / 100) | 0) % 43)))).join('');

/**
 * Text sent is text received, once. A stand-in agent in raw mode with bracketed paste on (as Claude
 * Code and Codex run) records every byte its terminal gives it; after each send the record must be
 * exactly what was sent so far: each text once, inside one bracketed paste, then one Enter (CR).
 */
describe('every text arrives byte for byte and exactly once', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;
  let record: string;
  let id: string;
  let expected = Buffer.alloc(0);

  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-delivery-')));
    record = join(workDir, 'received.bin');
    id = (await call<{ id: string }>(mcp.client, 'session_create', { workDir, agent: 'custom', command: [process.execPath, RECORDER, record] })).id;
    await waitState(mcp.client, id, ['idle']);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  /** Sends `text` and waits until the record is everything expected so far, `arrives` being what this text should become. */
  const sendAndCheck = async (text: string, arrives = text) => {
    expected = Buffer.concat([expected, Buffer.from(`${START}${arrives}${END}\r`)]);
    const r = await call<{ status: string }>(mcp.client, 'session_send', { id, text });
    expect(['delivered', 'queued']).toContain(r.status);
    await waitFor(() => readFileSync(record).length >= expected.length, { timeoutMs: 30_000, what: `${Buffer.byteLength(text)} bytes to arrive` });
    const got = readFileSync(record);
    expect(got.length, 'bytes recorded').toBe(expected.length);
    expect(got.equals(expected), 'the record is exactly the texts sent, once each').toBe(true);
  };

  const cases: [string, string, string?][] = [
    ['a trailing ;', 'ends with a semicolon;'],
    ['a trailing \\;', 'ends with an escaped semicolon\\;'],
    ['only ;', ';'],
    ['tmux key names as text', 'C-c'],
    ['Enter as text', 'Enter'],
    ['key names and a tmux command as text', 'C-c Enter Escape ; kill-server \\; run-shell "touch x"'],
    ['tabs', 'col1\tcol2\t\tcol3\t'],
    ['multi-line text', 'line one\nline two\n\n  line four;'],
    ['CRLF as LF', 'windows\r\nline', 'windows\nline'],
    ['Unicode', 'ünïcödé ✓ 日本語 🎉 #{pane_id} #(touch x)'],
    // ESC and other control characters are removed (sanitizeText): they would be terminal control, not
    // text. In particular a paste-end marker inside the text must not end the paste early.
    ['ESC sequences, the paste end marker among them', `red \x1b[31mtext\x1b[0m, then ${END} and more\x07`, 'red [31mtext[0m, then [201~ and more'],
    ['a 16 KB line', line(16 * 1024)],
    ['a 50 KB line', line(50 * 1024)],
    [`a ${MAX_TEXT_BYTES}-byte line (the limit)`, line(MAX_TEXT_BYTES)],
  ];
  for (const [what, text, arrives] of cases) it(`delivers ${what}`, () => sendAndCheck(text, arrives));

  it('refuses text over the limit with an error naming the field, typing nothing', async () => {
    const err = await callError(mcp.client, 'session_send', { id, text: line(MAX_TEXT_BYTES + 1) });
    expect(err).toMatch(/text/);
    expect(err).toContain(String(MAX_TEXT_BYTES));
    const info = await call<{ queuedMessages: unknown[] }>(mcp.client, 'session_get', { id });
    expect(info.queuedMessages).toEqual([]);
    // Nothing of it arrives: the next text follows the previous one directly.
    await sendAndCheck('after the refusal');
  });
});

/**
 * An agent that takes a prompt but shows nothing (and reports no hooks) gives no way to tell whether
 * the prompt was taken. The message must then fail with a clear error, typed once: never typed again.
 */
describe('a prompt that cannot be confirmed is never typed twice', () => {
  let t: TestEnv;
  let mcp: Awaited<ReturnType<typeof connectMcp>>;

  beforeAll(async () => {
    t = makeTestEnv();
    mcp = await connectMcp(t.env);
  });
  afterAll(async () => {
    await mcp?.close();
    t?.cleanup();
  });

  it('fails the message after one typing', async () => {
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-delivery-silent-')));
    const record = join(workDir, 'received.bin');
    const { id } = await call<{ id: string }>(mcp.client, 'session_create', {
      workDir,
      agent: 'custom',
      command: [process.execPath, RECORDER, record, '--silent'],
    });
    await waitState(mcp.client, id, ['idle']);
    const sent = await call<{ messageId: number }>(mcp.client, 'session_send', { id, text: 'take this once' });
    const db = new Database(join(t.home, 'aegis.db'), { readonly: true });
    try {
      const row = await waitFor(
        () =>
          db.prepare("SELECT status, error, attempts FROM session_messages WHERE id = ? AND status IN ('failed', 'delivered')").get(sent.messageId) as
            { status: string; error: string; attempts: number } | undefined,
        {
          timeoutMs: 60_000,
          what: 'the message to be finished',
        },
      );
      expect(row.status).toBe('failed');
      expect(row.error).toMatch(/not typed again/);
    } finally {
      db.close();
    }
    expect(readFileSync(record).toString('latin1')).toBe(`${START}take this once${END}\r`);
  });

  it('a message another process queued is delivered by the watching process, though the agent draws nothing new', async () => {
    // Deliveries started on screen changes: a message queued by a process that then gave up on it (a
    // one-shot ag send that answered "queued", or one killed) waited for the idle agent to draw something.
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-delivery-sweep-')));
    const record = join(workDir, 'received.bin');
    const { id } = await call<{ id: string }>(mcp.client, 'session_create', { workDir, agent: 'custom', command: [process.execPath, RECORDER, record] });
    await waitState(mcp.client, id, ['idle']);
    const db = new Database(join(t.home, 'aegis.db'));
    try {
      const { id: messageId } = db
        .prepare("INSERT INTO session_messages (session_id, text, status, created_at) VALUES (?, 'queued elsewhere', 'queued', ?) RETURNING id")
        .get(id, Date.now()) as { id: number };
      const status = () => (db.prepare('SELECT status FROM session_messages WHERE id = ?').get(messageId) as { status: string }).status;
      await waitFor(() => status() === 'delivered', { timeoutMs: 20_000, what: 'the watcher to deliver the message' });
    } finally {
      db.close();
    }
    expect(readFileSync(record).toString('latin1')).toBe(`${START}queued elsewhere${END}\r`);
  });

  it('a chat "c:" whose message could not be delivered says so, never "Sent"', async () => {
    const workDir = realpathSync(mkdtempSync(join(tmpdir(), 'aegis-delivery-chat-')));
    const { id } = await call<{ id: string }>(mcp.client, 'session_create', {
      workDir,
      agent: 'custom',
      command: [process.execPath, RECORDER, join(workDir, 'received.bin'), '--silent'],
    });
    await waitState(mcp.client, id, ['idle']);
    const handle = (text: string) => call<{ reply: string; failed: boolean }>(mcp.client, 'message_handle', { text, channel: 'telegram', from: 'tess' });
    await handle(`session ${id}`);
    const r = await handle('c: take this from the phone');
    expect(r.reply).toMatch(/^❌ Not delivered to .+: the agent did not confirm the prompt/);
    expect(r.failed).toBe(true);
    // A person (or a script) at `ag send` gets a failing exit status, not 0.
    const cli = await runCli(['send', id, 'take this from the shell', '--json'], t.env);
    expect(cli.code, cli.stdout).toBe(1);
    expect(JSON.parse(cli.stdout)).toMatchObject({ status: 'failed' });
  });
});
