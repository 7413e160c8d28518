import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScreenReading } from '../../src/agents/types.js';
import { fuse } from '../../src/sessions/fuse.js';
import { emptyFacts, type AgentStatus, type HookFacts } from '../../src/agents/profile.js';
import { foldHookEvent, type HookEvent } from '../../src/agents/claude/hook-events.js';
import { procStat } from '../../src/util/process-tree.js';
import { AgentStatusFile, configDirOfTranscript, parseAgentStatus, statusBelongs } from '../../src/agents/claude/status-file.js';
import { waitFor } from '../helpers/wait.js';

const QUESTION = 'I can change **one** of them.\n\nWhich file should I change?';
/** How Claude Code draws that message: Markdown rendered, so the asterisks are gone. */
const QUESTION_ON_SCREEN = 'I can change one of them.\n\nWhich file should I change?';

const idleScreen = (extra: Partial<ScreenReading> = {}): ScreenReading => ({
  state: 'idle',
  inputText: '',
  queued: [],
  turnFinished: true,
  lastAssistantText: QUESTION_ON_SCREEN,
  ...extra,
});
const facts = (...events: Omit<HookEvent, 'aegis_t'>[]): HookFacts =>
  events.reduce<HookFacts>((f, e, i) => foldHookEvent(f, { ...e, aegis_t: 1000 + i }), emptyFacts());
const fused = (reading: ScreenReading, f: HookFacts, status?: AgentStatus, previous: 'idle' | 'working' = 'idle', screenChangedAt = 1_000) =>
  fuse({ paneGone: false, paneDead: false, reading, facts: f, status, screenChangedAt, previous, everReady: true });

const asked = [
  { hook_event_name: 'UserPromptSubmit', prompt: 'QUESTION' },
  { hook_event_name: 'Stop', last_assistant_message: QUESTION },
];

describe('fuse: a question belongs to its turn', () => {
  it('a turn that ended with a question is asking', () => {
    expect(fused(idleScreen(), facts(...asked))).toMatchObject({ state: 'asking', lastAssistant: QUESTION });
  });

  it('after a later prompt (interrupted before any output) the old question on screen is not asking', () => {
    const f = facts(...asked, { hook_event_name: 'UserPromptSubmit', prompt: 'DELAY 30000 never answered' });
    expect(fused(idleScreen(), f).state).toBe('idle');
    // Only the tail of a long question may be on screen; it is still the old one.
    expect(fused(idleScreen({ lastAssistantText: 'Which file should I change?' }), f).state).toBe('idle');
  });

  it('a new question of the later turn, on screen before its Stop hook, is asking', () => {
    const f = facts(...asked, { hook_event_name: 'UserPromptSubmit', prompt: 'QUESTION again' });
    expect(fused(idleScreen({ lastAssistantText: 'Shall I also update the tests?' }), f).state).toBe('asking');
  });

  it('without hooks, the screen alone decides as before', () => {
    expect(fused(idleScreen(), emptyFacts()).state).toBe('asking');
  });
});

describe('fuse: the frame after an answered dialog', () => {
  const afterDialog = (extra: Partial<ScreenReading>) =>
    fuse({
      paneGone: false,
      paneDead: false,
      reading: idleScreen({ turnFinished: false, lastAssistantText: undefined, ...extra }),
      facts: emptyFacts(),
      previous: 'permission_prompt',
      everReady: true,
    });

  it('is working while the allowed tool has not started (the box is back, the turn not finished)', () => {
    expect(afterDialog({}).state).toBe('working');
  });

  it('is idle when the dialog was refused, the turn finished, or one look has passed', () => {
    expect(afterDialog({ interrupted: true }).state).toBe('idle');
    expect(afterDialog({ turnFinished: true }).state).toBe('idle');
    expect(fused(idleScreen({ turnFinished: false, lastAssistantText: undefined }), emptyFacts(), undefined, 'working').state).toBe('idle');
  });
});

describe('fuse: the status file ranks below the screen', () => {
  /** Written at 2000, after the screen last changed (1000). */
  const status = (s: AgentStatus['status'], updatedAt = 2_000): AgentStatus => ({ status: s, sessionId: 'sid', version: '2.1.332', updatedAt });
  const blank: ScreenReading = { state: null, inputText: '', queued: [], turnFinished: false };

  it('decides working / idle only when the screen cannot tell and the file is newer than the screen', () => {
    expect(fused(blank, emptyFacts(), status('busy'), 'idle').state).toBe('working');
    // A frame being redrawn (the screen changed after the file was written) keeps the previous state.
    expect(fused(blank, emptyFacts(), status('idle', 500), 'working').state).toBe('working');
    expect(fused(blank, emptyFacts(), status('idle'), 'working').state).toBe('idle');
    expect(fused(blank, emptyFacts(), status('waiting'), 'working').state).toBe('working');
    expect(fused(blank, emptyFacts(), undefined, 'working').state).toBe('working');
  });

  it('without a status, a reported turn end newer than the screen and the last prompt ends the turn (idle, or asking)', () => {
    const stopped = (message: string, at: number): HookFacts => ({ ...emptyFacts(), lastPromptAt: 900, lastStop: { at, message } });
    expect(fused(blank, stopped('Done.', 2_000), undefined, 'working')).toMatchObject({ state: 'idle', lastAssistant: 'Done.' });
    expect(fused(blank, stopped(QUESTION, 2_000), undefined, 'working').state).toBe('asking');
    // Older than the screen's last change: that frame may be the next turn being drawn.
    expect(fused(blank, stopped('Done.', 500), undefined, 'working').state).toBe('working');
    // A newer status file still decides first.
    expect(fused(blank, stopped('Done.', 2_000), status('busy'), 'working').state).toBe('working');
  });

  it('never overrides a readable screen', () => {
    expect(fused(idleScreen({ lastAssistantText: 'Done.' }), emptyFacts(), status('busy')).state).toBe('idle');
    expect(fused({ ...blank, state: 'working' }, emptyFacts(), status('idle')).state).toBe('working');
  });

  it('before the agent was ever ready, a blank screen is starting whatever the file says', () => {
    expect(
      fuse({ paneGone: false, paneDead: false, reading: blank, facts: emptyFacts(), status: status('idle'), previous: 'starting', everReady: false }).state,
    ).toBe('starting');
  });
});

describe('the status file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aegis-status-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const myStart = procStat(process.pid)?.[19];

  it('is parsed for the fields Aegis uses; anything else is ignored', () => {
    const text = JSON.stringify({
      pid: 1,
      sessionId: 's1',
      status: 'waiting',
      waitingFor: 'permission prompt',
      version: '2.1.332',
      procStart: '31291',
      kind: 'interactive',
      updatedAt: 5,
      statusUpdatedAt: 7,
    });
    expect(parseAgentStatus(text)).toEqual({
      status: 'waiting',
      waitingFor: 'permission prompt',
      sessionId: 's1',
      version: '2.1.332',
      procStart: '31291',
      updatedAt: 7,
    });
    expect(parseAgentStatus('{"sessionId":"s1"}')).toBeUndefined(); // before the first status
    expect(parseAgentStatus('{"sessionId":"s1","status":"dancing"}')).toBeUndefined();
    expect(parseAgentStatus('{"sessionId":')).toBeUndefined(); // caught mid-write
  });

  it('counts only for the agent that wrote it: its session id and its process start time (pid reuse)', () => {
    expect(myStart).toMatch(/^\d+$/);
    const s: AgentStatus = { status: 'idle', sessionId: 's1', procStart: myStart };
    expect(statusBelongs(s, process.pid, ['s1'])).toBe(true);
    expect(statusBelongs(s, process.pid, ['other', undefined])).toBe(false);
    expect(statusBelongs({ ...s, procStart: '1' }, process.pid, ['s1'])).toBe(false);
    expect(configDirOfTranscript('/home/u/.claude/projects/-tmp-x/s1.jsonl')).toBe('/home/u/.claude');
  });

  it('is followed as it changes, from before its folder exists', async () => {
    const sessions = join(dir, 'sessions');
    let changes = 0;
    const file = new AgentStatusFile(
      sessions,
      process.pid,
      (s) => statusBelongs(s, process.pid, ['s1']),
      () => changes++,
    );
    expect(file.current()).toBeUndefined();
    mkdirSync(sessions);
    const write = (status: string, sessionId = 's1') =>
      writeFileSync(join(sessions, `${process.pid}.json`), JSON.stringify({ pid: process.pid, sessionId, status, version: '2.1.197', procStart: myStart }));
    write('idle');
    await waitFor(() => file.current()?.status === 'idle', { what: 'first status' });
    write('busy');
    await waitFor(() => file.current()?.status === 'busy' && changes > 0, { what: 'busy, with a change reported' });
    expect(file.current()?.version).toBe('2.1.197');
    write('idle', 'someone-else');
    await waitFor(() => file.current() === undefined, { what: 'a foreign session id ignored' });
    file.dispose();
  });
});

describe("fuse: an agent's log of turns, for a screen that draws nothing while an answer streams (Codex 0.171)", () => {
  const streaming = idleScreen({ turnFinished: false, lastAssistantText: 'ECHO: a long' });
  const withLog = (reading: ScreenReading, running: boolean | undefined) => {
    let asked = 0;
    const r = fuse({
      paneGone: false,
      paneDead: false,
      reading,
      facts: emptyFacts(),
      previous: 'working',
      everReady: true,
      turnRunning: () => {
        asked++;
        return running;
      },
    });
    return { state: r.state, asked };
  };

  it('a screen that reads idle without the end of its turn is working while the log says a turn runs', () => {
    expect(withLog(streaming, true)).toEqual({ state: 'working', asked: 1 });
    expect(withLog(streaming, false).state).toBe('idle');
    // No log to tell: the screen's idle stands.
    expect(withLog(streaming, undefined).state).toBe('idle');
  });

  it("the screen's end of a turn (finished, interrupted, an error) wins over a log that has not caught up; a working screen needs no log", () => {
    expect(withLog(idleScreen({ turnFinished: true, lastAssistantText: 'done' }), true)).toEqual({ state: 'idle', asked: 0 });
    expect(withLog({ ...streaming, interrupted: true }, true)).toEqual({ state: 'idle', asked: 0 });
    expect(withLog({ ...streaming, error: 'stream disconnected' }, true)).toEqual({ state: 'error', asked: 0 });
    expect(withLog({ ...streaming, state: 'working' }, false)).toEqual({ state: 'working', asked: 0 });
  });
});

describe("fuse: a permission dialog's command from the agent's log of calls", () => {
  const dialogScreen = (command: string): ScreenReading => ({
    state: 'permission_prompt',
    inputText: '',
    queued: [],
    turnFinished: false,
    dialog: { kind: 'permission', tool: 'exec_command', question: 'Would you like to run the following command?', options: [], command },
  });
  const withCall = (reading: ScreenReading, call?: { tool: string; input: Record<string, unknown> }) =>
    fuse({ paneGone: false, paneDead: false, reading, facts: emptyFacts(), previous: 'working', everReady: true, pendingCall: () => call }).dialog?.command;

  it('takes the logged command when it is the one on screen: line breaks and undrawn characters kept', () => {
    const cmd = 'echo one\necho safe \u202e > two.txt';
    expect(withCall(dialogScreen('echo one echo safe  > two.txt'), { tool: 'exec_command', input: { cmd } })).toBe(cmd);
  });

  it("keeps the screen's command for another call, another tool, or no log", () => {
    const screen = dialogScreen('echo one echo two');
    expect(withCall(screen, { tool: 'exec_command', input: { cmd: 'echo one echo three' } })).toBe('echo one echo two');
    expect(withCall(screen, { tool: 'apply_patch', input: { cmd: 'echo one\necho two' } })).toBe('echo one echo two');
    expect(withCall(screen, undefined)).toBe('echo one echo two');
  });
});

describe('fuse: a turn the events have open', () => {
  const prompted = facts({ hook_event_name: 'UserPromptSubmit', prompt: 'hello' });
  const stopped = facts({ hook_event_name: 'UserPromptSubmit', prompt: 'hello' }, { hook_event_name: 'Stop', last_assistant_message: 'ECHO: hello' });
  // The frame between an answer and its Stop hooks (2.1.197): no spinner, no "Worked for", the answer shown.
  const between = idleScreen({ turnFinished: false, lastAssistantText: 'ECHO: hello' });
  const at = (reading: ScreenReading, f: HookFacts, now: number) =>
    fuse({ paneGone: false, paneDead: false, reading, facts: f, screenChangedAt: 10_000, now, previous: 'working', everReady: true });

  it('reads working on an idle-looking frame until the Stop hook, and asks to be read again when the hold ends', () => {
    expect(at(between, prompted, 10_100)).toEqual({ state: 'working', recheckAt: 15_000 });
    expect(at(between, stopped, 10_100).state).toBe('idle');
  });

  it("lets the screen's idle stand once it has stayed 5 s (a prompt a hook refused gets no Stop), or when it shows the turn's end", () => {
    expect(at(between, prompted, 15_000).state).toBe('idle');
    expect(at({ ...between, interrupted: true }, prompted, 10_100).state).toBe('idle');
    expect(at({ ...between, error: 'API Error: 400' }, prompted, 10_100).state).toBe('error');
    expect(at({ ...between, turnFinished: true }, prompted, 10_100).state).toBe('idle');
    // An interrupt before any output puts the prompt back in the box, and no Stop follows.
    expect(at({ ...between, inputText: 'hello' }, prompted, 10_100).state).toBe('idle');
  });
});

describe('fuse: a Claude Code permission dialog before its PermissionRequest hook', () => {
  // A release the rules were not verified on: the screen names the tool, its details are left out.
  const unverifiedBash: ScreenReading = {
    state: 'permission_prompt',
    inputText: '',
    queued: [],
    turnFinished: false,
    dialog: { kind: 'permission', tool: 'Bash', question: 'Do you want to proceed?', options: [], detailsKnown: false },
  };
  const dialogOf = (f: HookFacts) => fuse({ paneGone: false, paneDead: false, reading: unverifiedBash, facts: f, previous: 'working', everReady: true }).dialog;
  const prompt = { hook_event_name: 'UserPromptSubmit', prompt: 'RUN it' };
  const pre = (id: string, command: string) => ({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command }, tool_use_id: id });
  const request = (command: string) => ({ hook_event_name: 'PermissionRequest', tool_name: 'Bash', tool_input: { command } });

  it('takes the call the agent announced (PreToolUse) at once: the command is known before the request comes', () => {
    const d = dialogOf(facts(prompt, pre('t1', 'echo one > a.txt')));
    expect(d).toMatchObject({ tool: 'Bash', command: 'echo one > a.txt' });
    expect(d).not.toHaveProperty('detailsKnown');
  });

  it('skips calls that ran: the next call of the turn is the one on screen', () => {
    const ran = facts(
      prompt,
      pre('t1', 'echo one'),
      request('echo one'),
      { hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_use_id: 't1' },
      pre('t2', 'echo two'),
    );
    expect(dialogOf(ran)?.command).toBe('echo two');
    const failed = facts(prompt, pre('t1', 'false'), { hook_event_name: 'PostToolUseFailure', tool_name: 'Bash', tool_use_id: 't1' }, pre('t2', 'echo two'));
    expect(dialogOf(failed)?.command).toBe('echo two');
  });

  it('names no command when two open calls of the tool could be the one on screen (side by side, or one rejected earlier)', () => {
    const sideBySide = facts(prompt, pre('t1', 'echo one'), pre('t2', 'echo two'));
    expect(dialogOf(sideBySide)).toMatchObject({ detailsKnown: false });
    expect(dialogOf(sideBySide)?.command).toBeUndefined();
    // The first was asked about and rejected (no PostToolUse); its request must not name the second's dialog.
    const afterReject = facts(prompt, pre('t1', 'echo one'), request('echo one'), pre('t2', 'echo two'));
    expect(dialogOf(afterReject)?.command).toBeUndefined();
    // Its own request then settles it.
    expect(dialogOf(facts(prompt, pre('t1', 'echo one'), request('echo one'), pre('t2', 'echo two'), request('echo two')))?.command).toBe('echo two');
  });

  it("a new prompt or a turn's end forgets the turn's calls", () => {
    expect(dialogOf(facts(prompt, pre('t1', 'echo one'), prompt))?.command).toBeUndefined();
    expect(dialogOf(facts(prompt, pre('t1', 'echo one'), { hook_event_name: 'Stop' }))?.command).toBeUndefined();
  });
});
