import { describe, expect, it } from 'vitest';
import { parseCommand, suggest, COMMAND_WORDS } from '../../src/messaging/commands/parser.js';

const codes = new Set(['3f2', 'add']);
const parse = (text: string, operators: string[] = []) => parseCommand(text, { operators, isCode: (w) => codes.has(w.toLowerCase()) });

describe('chat command parser', () => {
  it('reads every command of the grammar', () => {
    expect(parse('task: fix the flaky login test')).toEqual({ kind: 'task', brief: 'fix the flaky login test' });
    expect(parse('Task:fix it')).toEqual({ kind: 'task', brief: 'fix it' });
    expect(parse('task fix it')).toEqual({ kind: 'task', brief: 'fix it' });
    expect(parse('c: also run lint')).toEqual({ kind: 'continue', text: 'also run lint' });
    expect(parse('continue: and then push')).toEqual({ kind: 'continue', text: 'and then push' });
    expect(parse('sessions')).toEqual({ kind: 'sessions' });
    expect(parse('session 1a2b3c4d')).toEqual({ kind: 'session', ref: '1a2b3c4d' });
    expect(parse('stop session')).toEqual({ kind: 'stop', ref: undefined });
    expect(parse('stop session 1a2b')).toEqual({ kind: 'stop', ref: '1a2b' });
    expect(parse('input: use the blue one')).toEqual({ kind: 'input', text: 'use the blue one' });
    for (const w of ['pending', 'awaiting', 'waiting']) expect(parse(w)).toEqual({ kind: 'pending' });
    expect(parse('approve 3f2')).toEqual({ kind: 'approve', code: '3f2' });
    expect(parse('approve 3f2 always')).toEqual({ kind: 'approve', code: '3f2', scope: 'always' });
    expect(parse('approve session')).toEqual({ kind: 'approve', scope: 'always' });
    expect(parse('approve 3f2 everything')).toMatchObject({ kind: 'unknown' });
    expect(parse('reason 3f2')).toEqual({ kind: 'reason', code: '3f2' });
    expect(parse('failed')).toEqual({ kind: 'failed' });
    expect(parse('resend 12 14')).toEqual({ kind: 'resend', ids: [12, 14], all: false });
    expect(parse('resend all')).toEqual({ kind: 'resend', ids: [], all: true });
    expect(parse('approve')).toEqual({ kind: 'approve', code: undefined });
    expect(parse('approve 3g2')).toEqual({ kind: 'approve', code: '3g2' });
    expect(parse('y 3F2')).toEqual({ kind: 'approve', code: '3f2' });
    expect(parse('reject 3f2 use pnpm instead')).toEqual({ kind: 'reject', code: '3f2', reason: 'use pnpm instead' });
    expect(parse('n')).toEqual({ kind: 'reject', code: undefined, reason: undefined });
    expect(parse('answer 3f2 2')).toEqual({ kind: 'answer', code: '3f2', choice: '2' });
    expect(parse('recall login flaky')).toEqual({ kind: 'recall', query: 'login flaky', full: false });
    expect(parse('recall full login flaky')).toEqual({ kind: 'recall', query: 'login flaky', full: true });
    for (const w of ['status', 's', '/status']) expect(parse(w)).toEqual({ kind: 'status' });
    expect(parse('tasks')).toEqual({ kind: 'tasks' });
    expect(parse('journal')).toEqual({ kind: 'journal', day: undefined });
    expect(parse('journal 2026-03-12')).toEqual({ kind: 'journal', day: '2026-03-12' });
    expect(parse('journal: deployed v2')).toEqual({ kind: 'note', text: 'deployed v2' });
    expect(parse('morning')).toEqual({ kind: 'briefing', which: 'morning' });
    expect(parse('evening')).toEqual({ kind: 'briefing', which: 'evening' });
    expect(parse('help')).toEqual({ kind: 'help' });
    expect(parse('   ')).toEqual({ kind: 'empty' });
  });

  it('keeps the text after the colon verbatim, new lines included', () => {
    expect(parse('task: line one\nline two: with colon\n  indented')).toEqual({ kind: 'task', brief: 'line one\nline two: with colon\n  indented' });
  });

  it("understands Telegram's slash commands, with or without the bot's name", () => {
    expect(parse('/status@aegis_bot')).toEqual({ kind: 'status' });
    expect(parse('/task fix the build')).toEqual({ kind: 'task', brief: 'fix the build' });
    expect(parse('/c keep going')).toEqual({ kind: 'continue', text: 'keep going' });
    expect(parse('/start')).toEqual({ kind: 'help' });
    expect(parse('/journal yesterday')).toEqual({ kind: 'journal', day: 'yesterday' });
  });

  it('takes a hex-looking word as a code only when it is one, so reasons stay whole', () => {
    expect(parse('reject add tests first')).toEqual({ kind: 'reject', code: 'add', reason: 'tests first' });
    codes.delete('add');
    expect(parse('reject add tests first')).toEqual({ kind: 'reject', code: undefined, reason: 'add tests first' });
  });

  it('reads a code as a phone types it: capitalised, with the punctuation autocorrect adds', () => {
    // "Approve 3f2." failed as an unknown code, "reject 3f2, use pnpm" lost its code into the reason,
    // and "answer 3f2 2." typed the free text "2." into a picker that offers it.
    expect(parse('Approve 3F2.')).toEqual({ kind: 'approve', code: '3f2' });
    expect(parse('approve 3f2, always!')).toEqual({ kind: 'approve', code: '3f2', scope: 'always' });
    expect(parse('Why 3f2?')).toEqual({ kind: 'reason', code: '3f2' });
    expect(parse('reject 3f2, use pnpm instead.')).toEqual({ kind: 'reject', code: '3f2', reason: 'use pnpm instead.' });
    expect(parse('answer 3f2. 2.')).toEqual({ kind: 'answer', code: '3f2', choice: '2' });
    expect(parse('answer 3f2 1, 3.')).toEqual({ kind: 'answer', code: '3f2', choice: '1, 3' });
    expect(parse('answer 3f2 Blue, please.')).toEqual({ kind: 'answer', code: '3f2', choice: 'Blue, please.' });
  });

  it('matches operator commands by name and keeps any extra words for the router to refuse', () => {
    expect(parse('deploy', ['deploy'])).toEqual({ kind: 'operator', name: 'deploy', extra: undefined });
    expect(parse('Deploy now', ['deploy'])).toEqual({ kind: 'operator', name: 'deploy', extra: 'now' });
  });

  it('suggests the nearest commands for an unknown word, ranked by Levenshtein distance', () => {
    expect(parse('satus')).toEqual({ kind: 'unknown', word: 'satus', suggestions: ['status', 'tasks'] });
    expect(parse('sesions').kind).toBe('unknown');
    expect(suggest('sesions', COMMAND_WORDS)[0]).toBe('sessions');
    expect(suggest('aprove', COMMAND_WORDS)[0]).toBe('approve');
    expect(suggest('depoly', [...COMMAND_WORDS, 'deploy'])[0]).toBe('deploy');
    expect(suggest('xyzzyplugh', COMMAND_WORDS)).toEqual([]);
  });
});
