import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codexPendingCall, codexTurnRunning } from '../../src/agents/codex/session-log.js';
import { lastRecord } from '../../src/agents/jsonl-last.js';

const dir = mkdtempSync(join(tmpdir(), 'aegis-turn-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const line = (r: Record<string, unknown>) => `${JSON.stringify(r)}\n`;
const event = (type: string) => line({ timestamp: '2026-12-04T15:10:00.000Z', type: 'event_msg', payload: { type } });
/** A response item as big as Codex's instructions or a tool's output: logs cross many read pieces. */
const bigItem = (kb: number) =>
  line({ type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x'.repeat(kb * 1024) }] } });

describe('lastRecord: the newest matching record of a JSONL log, read from its end', () => {
  it('finds records across read pieces, lines that span pieces included, and skips a torn last line', () => {
    const file = join(dir, 'pieces.jsonl');
    // The wanted line itself spans the 64 KB boundary between the last two pieces read.
    const wanted = line({ n: 1, pad: 'y'.repeat(100 * 1024) });
    writeFileSync(file, line({ n: 0 }) + bigItem(200) + wanted + bigItem(30) + '{"n": 2, "torn');
    expect(lastRecord(file, '"n"', (r) => (typeof r.n === 'number' ? r.n : undefined))).toBe(1);
    expect(lastRecord(file, '"n"', (r) => (r.n === 0 ? 'first' : undefined))).toBe('first');
  });

  it('undefined for no match, a missing file, or a match only beyond maxBytes', () => {
    const file = join(dir, 'far.jsonl');
    writeFileSync(file, line({ n: 0 }) + bigItem(300));
    expect(lastRecord(file, '"n"', (r) => r.n)).toBe(0);
    expect(lastRecord(file, '"n"', (r) => r.n, 100 * 1024)).toBeUndefined();
    expect(lastRecord(file, '"nothing"', () => 1)).toBeUndefined();
    expect(lastRecord(join(dir, 'missing.jsonl'), '"n"', () => 1)).toBeUndefined();
  });
});

describe("codexTurnRunning: Codex's session log says whether a turn is running", () => {
  it('follows task_started, task_complete and turn_aborted as the log grows, past big items', () => {
    const file = join(dir, 'rollout.jsonl');
    writeFileSync(file, line({ type: 'session_meta', payload: { id: 't1', cli_version: '0.171.0' } }));
    expect(codexTurnRunning(file)).toBeUndefined();
    appendFileSync(file, event('task_started') + event('thread_settings_applied') + bigItem(150) + event('item_completed'));
    expect(codexTurnRunning(file)).toBe(true);
    appendFileSync(file, event('token_count') + event('task_complete'));
    expect(codexTurnRunning(file)).toBe(false);
    appendFileSync(file, event('task_started'));
    expect(codexTurnRunning(file)).toBe(true);
    appendFileSync(file, event('turn_aborted'));
    expect(codexTurnRunning(file)).toBe(false);
    // A payload type named like an object's own property is not a turn record.
    appendFileSync(file, event('task_started') + event('constructor'));
    expect(codexTurnRunning(file)).toBe(true);
    expect(codexTurnRunning(join(dir, 'none.jsonl'))).toBeUndefined();
  });
});

describe("codexPendingCall: the call Codex's log says waits for its result", () => {
  it('is the newest function_call until its output or a message follows, past big items', () => {
    const file = join(dir, 'calls.jsonl');
    const call = (cmd: string) =>
      line({ type: 'response_item', payload: { type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd }), call_id: 'c1' } });
    writeFileSync(file, line({ type: 'session_meta', payload: { id: 't1' } }));
    expect(codexPendingCall(file)).toBeUndefined();
    appendFileSync(file, call('echo one\necho two') + line({ type: 'token_usage_record', payload: {} }));
    expect(codexPendingCall(file)).toEqual({ tool: 'exec_command', input: { cmd: 'echo one\necho two' } });
    appendFileSync(file, line({ type: 'response_item', payload: { type: 'function_call_output', call_id: 'c1', output: 'rejected' } }) + bigItem(100));
    expect(codexPendingCall(file)).toBeUndefined();
    expect(codexPendingCall(join(dir, 'missing.jsonl'))).toBeUndefined();
  });
});
