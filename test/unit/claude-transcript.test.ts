import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { summarizeTranscript, TranscriptReader, type Turn } from '../../src/agents/claude/transcript.js';
import { claudeProjectDir, claudeTranscriptPath, encodeClaudeProjectName } from '../../src/agents/claude/transcript-path.js';
import { failure } from '../helpers/errors.js';

const SAMPLE = '/work/shared/fixtures/claude-code-2.1.197/screens/sample-transcript.jsonl';
const SAMPLE_LINES = readFileSync(SAMPLE, 'utf8')
  .split('\n')
  .filter((l) => l !== '');
/** A clock a little after the sample was recorded: its records count as old. */
const AFTER_SAMPLE = Date.parse('2026-11-21T20:00:00Z');

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-transcript-'));
  file = join(dir, 'session.jsonl');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function readAll(reader: TranscriptReader): Turn[] {
  return reader.read({ limit: 500 }).turns;
}

// Hand-made records in the 2.1.197 shapes (FINDINGS.md §5), with only the fields the reader uses.
const iso = (ms: number) => new Date(ms).toISOString();
function userRec(uuid: string, parentUuid: string | null, content: unknown, at: number, extra: Record<string, unknown> = {}) {
  return { parentUuid, isSidechain: false, type: 'user', message: { role: 'user', content }, uuid, timestamp: iso(at), ...extra };
}
function assistantRec(uuid: string, parentUuid: string, block: unknown, at: number, opts: { stop?: string | null; msgId?: string } = {}) {
  return {
    parentUuid,
    isSidechain: false,
    type: 'assistant',
    uuid,
    timestamp: iso(at),
    message: { id: opts.msgId ?? `msg_${uuid}`, model: 'claude-opus-4-8', role: 'assistant', content: [block], stop_reason: opts.stop ?? null },
  };
}
function turnDurationRec(uuid: string, parentUuid: string, at: number) {
  return { parentUuid, isSidechain: false, type: 'system', subtype: 'turn_duration', durationMs: 100, uuid, timestamp: iso(at) };
}
const text = (t: string) => ({ type: 'text', text: t });
const toolUse = (id: string, name: string, input: Record<string, unknown>) => ({ type: 'tool_use', id, name, input });
const toolResult = (id: string, content: unknown, isError = false) => ({ type: 'tool_result', tool_use_id: id, content, is_error: isError });
const jsonl = (...records: unknown[]) => records.map((r) => `${JSON.stringify(r)}\n`).join('');

describe('transcript path', () => {
  it('encodes every character that is not [A-Za-z0-9] as "-"', () => {
    expect(claudeProjectDir('/h', '/tmp/ccwork')).toBe('/h/.claude/projects/-tmp-ccwork');
    expect(claudeProjectDir('/h', '/tmp/cc test_dir.v2/My Proj')).toBe('/h/.claude/projects/-tmp-cc-test-dir-v2-My-Proj');
    expect(claudeTranscriptPath('/h', '/tmp/ccwork', 'abc-123')).toBe('/h/.claude/projects/-tmp-ccwork/abc-123.jsonl');
  });

  it('cuts names over 200 characters and appends the hash Claude Code uses', () => {
    const cwd = `/tmp/${'deep/'.repeat(60)}end`;
    // Claude Code's own formula, written the way its source has it.
    let h = 0;
    for (let i = 0; i < cwd.length; i++) h = ((h << 5) - h + cwd.charCodeAt(i)) | 0;
    const name = encodeClaudeProjectName(cwd);
    expect(name).toBe(`${cwd.replace(/[^A-Za-z0-9]/g, '-').slice(0, 200)}-${Math.abs(h).toString(36)}`);
    expect(encodeClaudeProjectName('/a'.repeat(100))).toHaveLength(200); // exactly 200: not cut
  });
});

describe('the real 2.1.197 sample transcript', () => {
  let reader: TranscriptReader;
  let turns: Turn[];

  beforeEach(() => {
    reader = new TranscriptReader(SAMPLE, { now: () => AFTER_SAMPLE });
    expect(reader.refresh()).toEqual({ added: 46 });
    turns = readAll(reader);
  });

  it('turns the 90 records into 46 turns with the right roles; bookkeeping records give none', () => {
    const count = (role: string) => turns.filter((t) => t.role === role).length;
    expect(turns).toHaveLength(46);
    expect({
      user: count('user'),
      assistant: count('assistant'),
      tool_call: count('tool_call'),
      tool_result: count('tool_result'),
      error: count('error'),
      system: count('system'),
    }).toEqual({
      user: 14,
      assistant: 14,
      tool_call: 7,
      tool_result: 7,
      error: 1,
      system: 3,
    });
    expect(reader.skippedLines).toBe(0);
    expect(new Set(turns.map((t) => t.id)).size).toBe(46);
    // Attachments (except the queued prompt), system records and hook summaries are not turns.
    for (const id of ['d73d3363-8be8-423e-8bb3-d691de51461d', '80e4479e-c304-4059-9ace-6d5d2497728f', 'e120ce21-7d38-4ace-81c8-ac0a15544444']) {
      expect(turns.some((t) => t.id === id)).toBe(false);
    }
  });

  it('starts with the first prompt and its answer, with record uuids as ids', () => {
    expect(turns[0]).toEqual({ id: '6154211c-6e59-4544-96b6-7b93ba55f9bd', role: 'user', at: '2026-11-21T19:16:38.166Z', text: 'hello there' });
    expect(turns[1]).toMatchObject({
      id: '36505786-677c-4abf-83e9-eb62d9fdba0d',
      role: 'assistant',
      text: 'OK: hello there',
      messageId: 'msg_3374a54b56e7f70083a9a3e9',
    });
    expect(reader.firstPrompt()).toBe('hello there');
    expect(reader.title()).toBe('Fake session title');
  });

  it('keeps text and tool_use of one API message as two turns, the call with its input', () => {
    const i = turns.findIndex((t) => t.tool?.name === 'Write');
    expect(turns[i - 1]).toMatchObject({ role: 'assistant', text: 'Creating notes.md.', messageId: turns[i]!.messageId });
    expect(turns[i]).toMatchObject({
      id: 'e1e028b4-785e-41ab-8f30-5d4ce746068e',
      role: 'tool_call',
      tool: {
        name: 'Write',
        id: 'toolu_0a13246aa3c2ab8b3eb36ea2',
        input: { file_path: '/home/dev/proj/notes.md', content: expect.stringContaining('# Notes') },
      },
    });
    expect(turns[i + 1]).toMatchObject({
      role: 'tool_result',
      result: { toolUseId: 'toolu_0a13246aa3c2ab8b3eb36ea2', isError: false, content: expect.stringContaining('File created successfully') },
    });
  });

  it('shows a rejected tool as an error result followed by the interrupt marker', () => {
    const i = turns.findIndex((t) => t.id === 'c56f1cbd-a703-43ac-91ef-a0d2a27e7d79');
    expect(turns[i]).toMatchObject({
      role: 'tool_result',
      result: { toolUseId: 'toolu_996b2d65b3df76e2c5890e28', isError: true, content: expect.stringContaining('rejected') },
    });
    expect(turns[i + 1]).toEqual({
      id: '8a2f3759-529b-4fd0-8dd3-989e620299fb',
      role: 'system',
      at: '2026-11-21T19:16:52.214Z',
      text: '[Request interrupted by user for tool use]',
      interrupted: true,
    });
  });

  it('marks interrupts, the cut-short reply and the API error', () => {
    expect(turns.filter((t) => t.role === 'system').map((t) => [t.text, t.interrupted])).toEqual([
      ['[Request interrupted by user]', true],
      ['[Request interrupted by user for tool use]', true],
      ['[Request interrupted by user for tool use]', true],
    ]);
    const cut = turns.find((t) => t.id === 'c47614d6-600d-444f-8458-a755275ca36a');
    expect(cut).toMatchObject({ role: 'assistant', interrupted: true, text: expect.stringMatching(/^This reply is streamed/) });
    expect(turns.filter((t) => t.role === 'error')).toEqual([
      {
        id: '0a6e019b-809d-4634-8022-4628c76f40b1',
        role: 'error',
        at: '2026-11-21T19:17:18.622Z',
        text: 'API Error: 400 fake bad request',
        messageId: 'bd054742-7517-43b8-b693-e30bb14626d2',
      },
    ]);
  });

  it('shows a prompt queued while busy where the model got it, after the running tool result', () => {
    const i = turns.findIndex((t) => t.text === 'hello while busy');
    expect(turns[i]).toMatchObject({ id: 'f72f2247-24d9-424e-9b6c-dc0730b253ea', role: 'user' });
    expect(turns[i - 1]).toMatchObject({ role: 'tool_result', result: { toolUseId: 'toolu_1cb955702de6414912d8bf72' } });
    expect(turns[i + 1]).toMatchObject({ role: 'assistant', text: 'Done. Tool result was: (Bash completed with no output)' });
  });

  it('summarises tools, files, the last reply and errors', () => {
    expect(summarizeTranscript(reader)).toEqual({
      brief: 'hello there',
      title: 'Fake session title',
      tools: { Bash: 4, AskUserQuestion: 1, Write: 1, Edit: 1 },
      files: ['out.txt', 'slept.txt', '/home/dev/proj/notes.md'], // Bash's redirections count too
      lastAssistantMessage: "I'll write hello into out.txt.",
      turns: 46,
      prompts: 14,
      errors: 1,
      turnComplete: false, // the last turn ended in a rejection
    });
  });

  it('pages with a cursor: no turn skipped or repeated, same answer twice, hasMore and total', () => {
    const seen: Turn[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const page = reader.read({ after, limit: 10 });
      expect(reader.read({ after, limit: 10 })).toEqual(page); // reading consumes nothing
      expect(page.total).toBe(46);
      seen.push(...page.turns);
      pages++;
      after = page.nextCursor;
      if (!page.hasMore) break;
    }
    expect(pages).toBe(5);
    expect(seen.map((t) => t.id)).toEqual(turns.map((t) => t.id));
    // At the end the cursor still serves for polling: nothing newer yet.
    expect(reader.read({ after })).toEqual({ turns: [], nextCursor: after, hasMore: false, total: 46 });
  });

  it('filters by role and returns the last N', () => {
    const prompts = reader.read({ roles: ['user'], limit: 10 });
    expect(prompts).toMatchObject({ hasMore: true, total: 14 });
    expect(prompts.turns.map((t) => t.role)).toEqual(Array(10).fill('user'));
    const rest = reader.read({ roles: ['user'], after: prompts.nextCursor });
    expect(rest.turns.map((t) => t.text)).toEqual(['edit file please', 'send a bad request', 'this should fail', 'run bash once more']);
    expect([...prompts.turns, ...rest.turns].map((t) => t.id)).toEqual(turns.filter((t) => t.role === 'user').map((t) => t.id));
    expect(rest.hasMore).toBe(false);

    expect(reader.read({ last: 3 }).turns.map((t) => t.id)).toEqual(turns.slice(-3).map((t) => t.id));
    const lastCalls = reader.read({ last: 2, roles: ['tool_call'] });
    expect(lastCalls.turns.map((t) => t.tool!.name)).toEqual(['Edit', 'Bash']);
    expect(lastCalls.total).toBe(7);
    expect(reader.read({ roles: ['error', 'system'] }).turns.map((t) => t.role)).toEqual(['system', 'system', 'error', 'system']);
  });

  it('accepts a cursor from another reader of the same file', () => {
    const first = reader.read({ limit: 20 });
    const other = new TranscriptReader(SAMPLE, { now: () => AFTER_SAMPLE });
    other.refresh();
    expect(other.read({ after: first.nextCursor, limit: 5 })).toEqual(reader.read({ after: first.nextCursor, limit: 5 }));
    expect(other.read({ after: first.nextCursor, limit: 5 }).turns[0]!.id).toBe(turns[20]!.id);
  });

  it('rejects bad read options, naming the field and the fix', () => {
    for (const [opts, field] of [
      [{ limit: 0 }, 'limit'],
      [{ limit: 501 }, 'limit'],
      [{ limit: 2.5 }, 'limit'],
      [{ last: 0 }, 'last'],
      [{ roles: ['bot'] }, 'roles'],
      [{ after: 'page-two' }, 'after'],
    ] as const) {
      const err = failure(() => reader.read(opts as never));
      expect(err.field).toBe(field);
      expect(err.fix).toBeTruthy();
    }
  });
});

describe('reading a growing file', () => {
  it('gives the same turns line by line as at once, and a paging reader never skips or repeats one', () => {
    const whole = new TranscriptReader(SAMPLE, { now: () => AFTER_SAMPLE });
    whole.refresh();
    const expected = readAll(whole).map((t) => t.id);

    writeFileSync(file, '');
    const reader = new TranscriptReader(file, { now: () => AFTER_SAMPLE });
    const collected: string[] = [];
    const positions = new Map<string, number>();
    let after: string | undefined;
    for (let i = 0; i < SAMPLE_LINES.length; i += 7) {
      appendFileSync(
        file,
        SAMPLE_LINES.slice(i, i + 7)
          .map((l) => `${l}\n`)
          .join(''),
      );
      reader.refresh();
      // A page of 4 at a time, so the reader keeps falling behind the file and catching up.
      const page = reader.read({ after, limit: 4 });
      collected.push(...page.turns.map((t) => t.id));
      after = page.nextCursor;
      // Ids never move: every turn stays where it was first seen.
      readAll(reader).forEach((t, index) => {
        expect(positions.get(t.id) ?? index).toBe(index);
        positions.set(t.id, index);
      });
    }
    for (let page = reader.read({ after, limit: 4 }); page.turns.length > 0; page = reader.read({ after, limit: 4 })) {
      collected.push(...page.turns.map((t) => t.id));
      after = page.nextCursor;
    }
    expect(collected).toEqual(expected);
    expect(readAll(reader).map((t) => t.id)).toEqual(expected);
  });

  it('holds back a half-written line until its newline arrives, even inside a multi-byte character', () => {
    const t0 = Date.parse('2026-11-21T10:00:00Z');
    const line = Buffer.from(jsonl(userRec('u1', null, 'héllo ✓ wörld', t0)));
    const cut = line.indexOf(Buffer.from('✓')) + 1; // in the middle of the 3-byte ✓
    writeFileSync(file, line.subarray(0, cut));
    const reader = new TranscriptReader(file, { now: () => t0 });
    expect(reader.refresh()).toEqual({ added: 0 });
    expect(reader.skippedLines).toBe(0);
    appendFileSync(file, line.subarray(cut, line.length - 1)); // everything but the newline
    expect(reader.refresh()).toEqual({ added: 0 });
    appendFileSync(file, '\n');
    expect(reader.refresh()).toEqual({ added: 1 });
    expect(readAll(reader)).toEqual([{ id: 'u1', role: 'user', at: iso(t0), text: 'héllo ✓ wörld' }]);
    expect(reader.refresh()).toEqual({ added: 0 });
  });

  it('takes a line longer than one read chunk, and the lines around it', () => {
    const t0 = Date.parse('2026-11-21T10:00:00Z');
    const big = 'x'.repeat(2_500_000) + 'é';
    writeFileSync(
      file,
      jsonl(
        userRec('u1', null, 'read the big file', t0),
        assistantRec('a1', 'u1', toolUse('t1', 'Read', { file_path: '/p/big' }), t0 + 1),
        userRec('r1', 'a1', [toolResult('t1', big)], t0 + 2),
        assistantRec('a2', 'r1', text('It is big.'), t0 + 3, { stop: 'end_turn' }),
      ),
    );
    const reader = new TranscriptReader(file, { now: () => t0 + 10 });
    expect(reader.refresh()).toEqual({ added: 4 });
    const turns = readAll(reader);
    expect(turns.map((t) => t.id)).toEqual(['u1', 'a1', 'r1', 'a2']);
    expect(turns[2]!.result!.content).toBe(big);
  });

  it('tracks whether the latest prompt was answered and closed', () => {
    writeFileSync(file, '');
    const reader = new TranscriptReader(file, { now: () => AFTER_SAMPLE });
    const states: Record<number, boolean> = {};
    SAMPLE_LINES.forEach((line, i) => {
      appendFileSync(file, `${line}\n`);
      reader.refresh();
      states[i + 1] = reader.turnComplete();
    });
    expect(states[5]).toBe(false); // "hello there" sent
    expect(states[8]).toBe(true); // answered with stop_reason end_turn
    expect(states[10]).toBe(true); // turn_duration
    expect(states[12]).toBe(false); // next prompt
    expect(states[16]).toBe(false); // interrupted
    expect(states[19]).toBe(false); // text before a tool call
    expect(states[21]).toBe(false); // tool result, no answer yet
    expect(states[22]).toBe(true);
    expect(states[30]).toBe(false); // rejected
    expect(states[78]).toBe(false); // API error
    expect(states[79]).toBe(false); // turn_duration after an error is not an answer
  });

  it('without stop_reason on the answer, waits for turn_duration', () => {
    const t0 = Date.parse('2026-11-21T10:00:00Z');
    writeFileSync(file, jsonl(userRec('u1', null, 'hi', t0), assistantRec('a1', 'u1', text('hello'), t0 + 10, { stop: null })));
    const reader = new TranscriptReader(file, { now: () => t0 + 20 });
    reader.refresh();
    expect(reader.turnComplete()).toBe(false);
    expect(reader.lastAssistantText()).toBe('hello');
    appendFileSync(file, jsonl(turnDurationRec('s1', 'a1', t0 + 30)));
    reader.refresh();
    expect(reader.turnComplete()).toBe(true);
  });

  it('returns only turns after the cursor once more lines are appended', () => {
    writeFileSync(
      file,
      SAMPLE_LINES.slice(0, 10)
        .map((l) => `${l}\n`)
        .join(''),
    );
    const reader = new TranscriptReader(file, { now: () => AFTER_SAMPLE });
    reader.refresh();
    const first = reader.read();
    expect(first.turns.map((t) => t.text)).toEqual(['hello there', 'OK: hello there']);
    expect(first.hasMore).toBe(false);
    appendFileSync(
      file,
      SAMPLE_LINES.slice(10, 16)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(reader.refresh()).toEqual({ added: 4 });
    expect(reader.read({ after: first.nextCursor }).turns.map((t) => t.role)).toEqual(['user', 'user', 'assistant', 'system']);
  });
});

describe('out-of-order records', () => {
  const t0 = Date.parse('2026-11-21T10:00:00Z');
  const answer = assistantRec('a1', 'u1', text('OK'), t0 + 100, { stop: 'end_turn' });
  const prompt = userRec('u1', null, 'first prompt', t0);

  it('lists a prompt written after its answer before the answer', () => {
    writeFileSync(file, jsonl(answer, prompt));
    const reader = new TranscriptReader(file, { now: () => t0 + 200 });
    expect(reader.refresh()).toEqual({ added: 2 });
    expect(readAll(reader).map((t) => t.id)).toEqual(['u1', 'a1']);
    expect(reader.firstPrompt()).toBe('first prompt');
    expect(reader.turnComplete()).toBe(true);
  });

  it('holds back an answer whose prompt is not written yet, across refreshes', () => {
    writeFileSync(file, jsonl(answer));
    const reader = new TranscriptReader(file, { now: () => t0 + 200 });
    expect(reader.refresh()).toEqual({ added: 0 });
    expect(reader.read()).toEqual({ turns: [], hasMore: false, total: 0 });
    appendFileSync(file, jsonl(prompt));
    expect(reader.refresh()).toEqual({ added: 2 });
    expect(readAll(reader).map((t) => t.id)).toEqual(['u1', 'a1']);
  });

  it('lists a record whose parent never comes once the hold has passed, after what was already listed', () => {
    let clock = t0 + 200;
    writeFileSync(file, jsonl(userRec('u0', null, 'earlier', t0 - 50), assistantRec('a1', 'missing', text('orphan'), clock)));
    const reader = new TranscriptReader(file, { now: () => clock, orphanHoldMs: 2000 });
    expect(reader.refresh()).toEqual({ added: 1 });
    const page = reader.read();
    clock += 1999;
    expect(reader.refresh()).toEqual({ added: 0 });
    clock += 1;
    expect(reader.refresh()).toEqual({ added: 1 });
    expect(reader.read({ after: page.nextCursor }).turns.map((t) => t.text)).toEqual(['orphan']);
    // Once it is listed, records chained to it are taken at once (here: it closes u0's turn).
    appendFileSync(file, jsonl(turnDurationRec('s1', 'a1', clock)));
    reader.refresh();
    expect(reader.turnComplete()).toBe(true);
  });

  it('releases at once a record whose parent is missing from an old transcript', () => {
    writeFileSync(file, jsonl(assistantRec('a1', 'elsewhere', text('resumed'), t0)));
    const reader = new TranscriptReader(file, { now: () => t0 + 60_000 });
    expect(reader.refresh()).toEqual({ added: 1 });
  });
});

describe('damaged, missing and replaced files', () => {
  it('skips and counts a garbage line; the records after it still come out', () => {
    const lines = [...SAMPLE_LINES];
    const i = lines.findIndex((l) => l.includes('"run bash again please"'));
    lines[i] = lines[i]!.slice(0, 80); // torn: the prompt is lost, its answer chain names it as parent
    lines.splice(3, 0, 'not json at all', '[1,2,3]');
    writeFileSync(file, lines.map((l) => `${l}\n`).join(''));
    const reader = new TranscriptReader(file, { now: () => AFTER_SAMPLE });
    expect(reader.refresh()).toEqual({ added: 45 });
    expect(reader.skippedLines).toBe(3);
    const turns = readAll(reader);
    expect(turns.some((t) => t.text === 'run bash again please')).toBe(false);
    expect(turns.filter((t) => t.result?.isError).length).toBe(2);
    expect(turns.at(-1)!.text).toBe('[Request interrupted by user for tool use]');
  });

  it('treats a missing file as empty until it appears', () => {
    const reader = new TranscriptReader(file);
    expect(reader.refresh()).toEqual({ added: 0 });
    expect(reader.read()).toEqual({ turns: [], hasMore: false, total: 0 });
    expect(reader.turnComplete()).toBe(false);
    expect(summarizeTranscript(reader)).toEqual({ tools: {}, files: [], turns: 0, prompts: 0, errors: 0, turnComplete: false });
    writeFileSync(
      file,
      SAMPLE_LINES.slice(0, 10)
        .map((l) => `${l}\n`)
        .join(''),
    );
    expect(reader.refresh()).toEqual({ added: 2 });
  });

  it('starts over when the file is replaced by a shorter one or truncated; old cursors start at the new beginning', () => {
    writeFileSync(file, SAMPLE_LINES.map((l) => `${l}\n`).join(''));
    const reader = new TranscriptReader(file, { now: () => AFTER_SAMPLE });
    reader.refresh();
    const old = reader.read({ limit: 30 });

    const t0 = Date.parse('2026-11-21T10:00:00Z');
    const replacement = join(dir, 'new.jsonl');
    writeFileSync(replacement, jsonl(userRec('n1', null, 'new session', t0), assistantRec('n2', 'n1', text('fresh'), t0 + 5, { stop: 'end_turn' })));
    renameSync(replacement, file);
    expect(reader.refresh()).toEqual({ added: 2 });
    expect(readAll(reader).map((t) => t.id)).toEqual(['n1', 'n2']);
    expect(reader.read({ after: old.nextCursor }).turns.map((t) => t.id)).toEqual(['n1', 'n2']);
    expect(summarizeTranscript(reader)).toMatchObject({ brief: 'new session', tools: {}, files: [], turns: 2, turnComplete: true });
    expect(reader.title()).toBeUndefined();

    truncateSync(file, 0);
    appendFileSync(file, jsonl(userRec('m1', null, 'third', t0)));
    expect(reader.refresh()).toEqual({ added: 1 });
    expect(readAll(reader).map((t) => t.text)).toEqual(['third']);
  });
});

describe('record details', () => {
  const t0 = Date.parse('2026-11-21T10:00:00Z');

  it('drops system-reminder blocks and meta records, keeps typed text, splits multi-block records with stable ids', () => {
    writeFileSync(
      file,
      jsonl(
        userRec('u1', null, [text('<system-reminder>\nYou are in a repo.\n</system-reminder>'), text('fix the bug')], t0),
        userRec('u2', 'u1', [text('<system-reminder>only context</system-reminder>')], t0 + 1),
        userRec('u3', 'u2', 'Caveat: the messages below were generated by the user while running local commands.', t0 + 2, { isMeta: true }),
        assistantRec('a1', 'u3', toolUse('t1', 'Read', { file_path: '/p/a.ts' }), t0 + 3),
        assistantRec('a2', 'a1', toolUse('t2', 'Read', { file_path: '/p/b.ts' }), t0 + 4),
        userRec('r1', 'a2', [toolResult('t1', [text('line 1'), { type: 'image', source: {} }]), toolResult('t2', 'contents of b')], t0 + 5),
        userRec('u1', 'r1', 'a repeated record is shown once', t0 + 6),
      ),
    );
    const reader = new TranscriptReader(file, { now: () => t0 + 10 });
    reader.refresh();
    const turns = readAll(reader);
    expect(turns.map((t) => [t.id, t.role])).toEqual([
      ['u1', 'user'],
      ['a1', 'tool_call'],
      ['a2', 'tool_call'],
      ['r1', 'tool_result'],
      ['r1:1', 'tool_result'],
    ]);
    expect(turns[0]!.text).toBe('fix the bug');
    expect(turns[3]!.result).toEqual({ toolUseId: 't1', content: 'line 1\n[image]', isError: false });
    expect(turns[4]!.result).toEqual({ toolUseId: 't2', content: 'contents of b', isError: false });
    expect(reader.toolsUsed()).toEqual({ Read: 2 });
  });

  it('counts only files whose write ran, Bash included', () => {
    writeFileSync(
      file,
      jsonl(
        userRec('u1', null, 'edit things', t0),
        assistantRec('a1', 'u1', toolUse('t1', 'Write', { file_path: '/p/new.ts', content: 'x' }), t0 + 1),
        userRec('r1', 'a1', [toolResult('t1', "The user doesn't want to proceed with this tool use.", true)], t0 + 2, {
          toolUseResult: 'User rejected tool use',
        }),
        assistantRec('a2', 'r1', toolUse('t2', 'MultiEdit', { file_path: '/p/m.ts', edits: [] }), t0 + 3),
        userRec('r2', 'a2', [toolResult('t2', 'ok')], t0 + 4),
        assistantRec('a3', 'r2', toolUse('t3', 'NotebookEdit', { notebook_path: '/p/n.ipynb', new_source: '' }), t0 + 5),
        userRec('r3', 'a3', [toolResult('t3', 'ok')], t0 + 6),
        assistantRec('a4', 'r3', toolUse('t4', 'Bash', { command: 'touch /p/bash.txt' }), t0 + 7),
        userRec('r4', 'a4', [toolResult('t4', '')], t0 + 8),
        assistantRec('a5', 'r4', toolUse('t5', 'Edit', { file_path: '/p/m.ts', old_string: 'a', new_string: 'b' }), t0 + 9),
        userRec('r5', 'a5', [toolResult('t5', 'ok')], t0 + 10),
        { type: 'custom-title', customTitle: 'my name', sessionId: 's' },
        { type: 'ai-title', aiTitle: 'generated', sessionId: 's' },
      ),
    );
    const reader = new TranscriptReader(file, { now: () => t0 + 20 });
    reader.refresh();
    expect(reader.filesTouched()).toEqual(['/p/m.ts', '/p/n.ipynb', '/p/bash.txt']);
    expect(reader.toolsUsed()).toEqual({ Write: 1, MultiEdit: 1, NotebookEdit: 1, Bash: 1, Edit: 1 });
    expect(readAll(reader)[2]!.result!.isError).toBe(true);
    expect(reader.title()).toBe('my name'); // the user's name outranks the generated one
  });
});
