import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectCodexScreen } from '../../src/agents/codex/detect.js';
import { codexAnswerKeys, codexApproveKeys, codexRejectKeys } from '../../src/agents/codex/dialog-keys.js';
import { ROOT } from '../helpers/env.js';

const screen = (name: string) => readFileSync(join(ROOT, 'test', 'fixtures', 'codex-0.171.0', 'screens', `${name}.txt`), 'utf8').split('\n');

describe('Codex 0.171.0 screens (real captures)', () => {
  it('before the model footer it is starting, even with the prompt drawn', () => {
    const r = detectCodexScreen(screen('01-idle'));
    expect(r.state).toBe('starting');
    expect(r.inputText).toBe('');
  });

  it('the trust screen of a folder not trusted yet is a Folder trust setup dialog naming the folder; approve trusts it; refusing it (reject, or option 2) ends the session instead of pressing a key', () => {
    const r = detectCodexScreen(screen('13-trust-folder'));
    expect(r.state).toBe('permission_prompt');
    expect(r.dialog).toMatchObject({ kind: 'setup', title: 'Folder trust', question: 'Trust this folder?', file: '/tmp/htrust-codex/repo' });
    expect(r.dialog!.options.map((o) => [o.number, o.label, o.selected])).toEqual([
      [1, 'Trust and continue', true],
      [2, 'Back to Agent Command Center', false],
    ]);
    for (const scope of ['once', 'always'] as const)
      expect(codexApproveKeys(r.dialog!, scope)).toEqual({ keys: ['Enter'], label: 'Trust and continue', trustsWorkDir: true });
    expect(codexAnswerKeys(r.dialog!, 1)).toMatchObject({ trustsWorkDir: true });
    // Codex's other choice is its agent list, where the session can do nothing: nothing is pressed.
    for (const refused of [codexAnswerKeys(r.dialog!, 2), codexRejectKeys(r.dialog!)])
      expect(refused).toMatchObject({ keys: [], label: 'Back to Agent Command Center', endsSession: expect.stringContaining('not trusted') });
    // The same words in a reply, without the screen's heading, are no dialog.
    const reply = ['• Trust this folder? Only if you wrote it:', '  1. Trust and continue', '  2. Leave'];
    expect(detectCodexScreen(reply).dialog).toBeUndefined();
  });

  it('idle once the footer shows the model and folder; the last turn finished', () => {
    const r = detectCodexScreen(screen('05-after-approval'));
    expect(r.state).toBe('idle');
    expect(r.turnFinished).toBe(true);
    expect(r.lastAssistantText).toMatch(/^Done\. Tool result was/);
  });

  it('working while the status line says esc to interrupt', () => {
    expect(detectCodexScreen(screen('02-working')).state).toBe('working');
    // The bullet blinks, and a retry shows its own status with the same tail.
    const blink = screen('02-working').map((l) => l.replace('• Working', '◦ Working'));
    expect(detectCodexScreen(blink).state).toBe('working');
    const retry = screen('02-working').map((l) => l.replace('• Working (2s', '• Reconnecting... waiting for network (3s'));
    expect(detectCodexScreen(retry).state).toBe('working');
  });

  it('while an answer streams no Working line is drawn: the screen alone shows no turn running, nor its end', () => {
    // Captured mid-answer (fake model streaming 16 pieces over 16 s); fuse asks Codex's session log then.
    const r = detectCodexScreen(screen('11-streaming-no-working-line'));
    expect(r.state).toBe('idle');
    expect(r.lastAssistantText).toBe('ECHO: a long');
    expect([r.turnFinished, !!r.interrupted, r.error]).toEqual([false, false, undefined]);
  });

  it('a long paste collapsed in the composer is read with the size it names', () => {
    const collapsed = screen('05-after-approval').map((l) => l.replace('› Ask Codex to do anything', '› [Pasted Content 5550 chars]'));
    expect(detectCodexScreen(collapsed)).toMatchObject({ state: 'idle', inputText: '[Pasted Content 5550 chars]', inputPaste: { chars: 5550 } });
  });

  it('command approval: the command and least-privilege keys', () => {
    const r = detectCodexScreen(screen('03-command-approval'));
    expect(r.state).toBe('permission_prompt');
    expect(r.dialog).toMatchObject({ kind: 'permission', tool: 'exec_command', command: 'echo codex-ran > ran.txt' });
    expect(r.dialog!.options.map((o) => o.number)).toEqual([1, 2, 3]);
    expect(r.dialog!.options[0]!.selected).toBe(true);
    expect(codexApproveKeys(r.dialog!, 'once')).toEqual({ keys: ['y'], label: 'Yes, proceed (y)' });
    expect(codexApproveKeys(r.dialog!, 'always').keys).toEqual(['p']);
    expect(codexRejectKeys(r.dialog!).keys).toEqual(['Escape']);
    expect(() => codexAnswerKeys(r.dialog!, 'maybe')).toThrow(/not one of the options/);
  });

  it('a command wrapped onto more lines is read whole (as the real 0.171.0 wraps it: at a space, indented)', () => {
    const wrapped = screen('03-command-approval').flatMap((l) =>
      l === '  $ echo codex-ran > ran.txt' ? ['  $ echo word0 word1 word2 word27', '  word28 word29 > long-command.txt && rm -rf build'] : [l],
    );
    expect(detectCodexScreen(wrapped).dialog?.command).toBe('echo word0 word1 word2 word27 word28 word29 > long-command.txt && rm -rf build');
    expect(detectCodexScreen(screen('03-command-approval')).dialog?.command).toBe('echo codex-ran > ran.txt');
  });

  it('a patch writing two files names both (real capture)', () => {
    const file = detectCodexScreen(screen('12-patch-approval-two-files')).dialog?.file;
    expect(file?.split(', ').map((f) => f.replace(/^.*\//u, ''))).toEqual(['first.md', 'second.md']);
  });

  it('patch approval: the file and its keys', () => {
    const r = detectCodexScreen(screen('04-patch-approval'));
    expect(r.dialog).toMatchObject({ kind: 'permission', tool: 'apply_patch', file: '/srv/cxk/w2/notes.md' });
    expect(codexApproveKeys(r.dialog!, 'once').keys).toEqual(['y']);
    expect(codexApproveKeys(r.dialog!, 'always').keys).toEqual(['a']);
  });

  it('after a rejection or Esc the turn shows as interrupted and the agent idle', () => {
    for (const name of ['06-after-rejection', '06b-after-command-rejection', '08-after-esc-interrupt']) {
      const r = detectCodexScreen(screen(name));
      expect(r.state, name).toBe('idle');
      expect(r.interrupted, name).toBe(true);
      expect(r.error, name).toBeUndefined();
    }
  });

  it('the Ctrl-C menu is a question dialog, not an approval', () => {
    const r = detectCodexScreen(screen('07-after-ctrl-c'));
    expect(r.dialog).toMatchObject({ kind: 'question', title: 'Task is still running' });
    expect(r.dialog!.options.map((o) => o.label)).toEqual(['Cancel task', 'Run in background', 'Exit']);
    expect(() => codexApproveKeys(r.dialog!, 'once')).toThrow(/not an approval/);
  });

  it('text in the composer is read as input', () => {
    const r = detectCodexScreen(screen('10-enter-at-once-is-newline'));
    expect(r.inputText).toBe('run shell');
    expect(r.state).toBe('idle');
  });

  it('a prompt with blank lines in the composer is read whole (delivery compares it with what was typed)', () => {
    const lines = screen('10-enter-at-once-is-newline');
    const at = lines.findIndex((l) => l.startsWith('› run shell'));
    lines.splice(at + 1, 0, '', '  - item one', '  - item two', '', '  End.');
    expect(detectCodexScreen(lines).inputText).toBe('run shell\n\n- item one\n- item two\n\nEnd.');
  });
});
