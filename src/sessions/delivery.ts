import { AegisError } from '../errors.js';
import type { TmuxServer } from '../tmux/server.js';
import type { Logger } from '../util/log.js';
import type { Observation, SessionObserver } from './observer.js';
import type { AgentProfile } from '../agents/profile.js';
import type { SessionState } from '../agents/types.js';
import type { QueuedMessage, SessionRecord } from './store.js';
import { boxHolds, samePrompt } from '../terminal/typed-text.js';

/** What typing needs from the session service: tmux, and waiting on the session's observations. */
export interface DeliveryDeps {
  tmux: TmuxServer;
  log: Logger;
  /** Resolves with the first observation satisfying `pred`, or undefined at the deadline. */
  until(obs: SessionObserver, pred: (o: Observation) => boolean, timeoutMs: number): Promise<Observation | undefined>;
  /** Resolves with the latest observation once none has come for `quietMs` (or at the deadline). */
  settle(obs: SessionObserver, quietMs: number, timeoutMs: number): Promise<Observation>;
}

/** States after Enter that do not show the agent took the prompt, though its box is empty. */
const NOT_TAKEN: SessionState[] = ['idle', 'starting', 'exited', 'dead'];

/** A prompt that may have reached the agent but cannot be confirmed: it is failed, never typed again. */
export class DeliveryUnconfirmed extends AegisError {}

/**
 * How long the box may take to show pasted text: a base, plus time for the agent to take in a long
 * paste (Gemini CLI, without bracketed paste, reads it as keystrokes: about 5 KB a second).
 */
const showDeadlineMs = (text: string) => 2_000 + Math.ceil(Buffer.byteLength(text) / 4);

/** How long one key of an anchored paste (ShellMode) may take to show on screen. */
const KEY_SHOWN_MS = 3_000;

type Cursor = NonNullable<Observation['cursor']>;
const cursorAt = (o: Observation, c: Cursor) => o.cursor?.x === c.x && o.cursor.y === c.y;
/** An empty box that would take a prompt (not one in shell mode). */
const emptyPromptBox = (o: Observation) => !o.reading.inputText && o.reading.inputMode !== 'shell';

/**
 * Types one prompt into an agent and confirms the agent took it, so that it arrives byte for byte
 * and exactly once.
 *
 * - Byte for byte: text always goes through a tmux buffer (load-buffer from stdin or a private file, paste-buffer -p),
 *   never on a tmux command line, where it is limited to ~16 KB and parsed (`;` ends a command). The
 *   paste is bracketed when the agent asked for it, so tabs and newlines in it are text, not keys.
 * - Exactly once: a prompt is typed at most once per attempt, and an attempt that did not see the
 *   box show the text never types again: it clears the box and gives up, leaving the message queued.
 *   The next attempt first checks whether the earlier typing was submitted after all (the agent's
 *   UserPromptSubmit hook), and if so records the message delivered without typing it again.
 */
export class PromptDelivery {
  /** When this process first typed each message, so a retry knows since when to look for it. */
  private readonly firstTyped = new Map<number, number>();

  constructor(private readonly deps: DeliveryDeps) {}

  /** Forgets a message that is finished (delivered, or failed for good). */
  forget(messageId: number): void {
    this.firstTyped.delete(messageId);
  }

  async deliver(s: SessionRecord, obs: SessionObserver, profile: AgentProfile, msg: QueuedMessage): Promise<void> {
    const { tmux, until, log } = this.deps;
    const pane = s.tmuxPane!;
    const text = msg.text;
    // An earlier attempt (this process, or another one: then only its enqueue time is known) may have
    // been submitted although it was not confirmed in time.
    const since = this.firstTyped.get(msg.id) ?? msg.createdAt;
    // The agent's prompt events or its own log show which prompts it took.
    const submittedSince = (t: number) =>
      (!!profile.events?.reportsPrompts && obs.hookFacts.submitted.some((p) => p.at >= t && samePrompt(p.prompt, text))) ||
      !!profile.promptTaken?.(s.argv, text, t, samePrompt);
    const reportsSubmissions = !!profile.events?.reportsPrompts || !!profile.promptTaken;
    if (msg.attempts > 1 && submittedSince(since)) return;
    // Without hooks nothing shows whether an earlier attempt (maybe another process's) was taken.
    if (msg.attempts > 1 && !reportsSubmissions) {
      throw new DeliveryUnconfirmed(
        'unavailable',
        'the agent did not confirm the prompt, and it reports no submissions that would show whether it took it; it is not typed again, to never send it twice',
        {
          fix: 'check the pane with session_pane, and send the text again if it is not there',
        },
      );
    }

    await this.clearInput(pane, obs, profile);
    const started = Date.now();
    if (!this.firstTyped.has(msg.id)) this.firstTyped.set(msg.id, started);
    obs.typedAt = started;
    const before = obs.screen.lines().join('\n');
    // A prompt beginning with `!` would switch an agent with a shell mode to it (see ShellMode).
    const bang = text.startsWith('!') ? profile.keys.shellMode?.bangPrompt : undefined;
    if (bang === 'anchored') await this.pasteAnchored(s, obs, profile, text);
    else {
      await tmux.paste(pane, bang === 'after-space' ? ` ${text}` : text);
      if (profile.dialogs) await this.awaitShown(s, obs, profile, text);
    }

    for (let attempt = 0; attempt < 3; attempt++) {
      await tmux.sendKeys(pane, profile.keys.submit);
      obs.schedule();
      const confirmed = await until(
        obs,
        (o) => {
          if (submittedSince(started)) return true;
          // Starting (a CLI restarting or redrawing from scratch) shows an empty box without having taken anything.
          if (profile.dialogs) return !o.reading.inputText && !NOT_TAKEN.includes(o.state) && o.at > started;
          return obs.screen.lines().join('\n') !== before;
        },
        attempt === 0 ? 4_000 : 2_000,
      );
      if (confirmed) return;
      // Still in the box: the Enter was lost (e.g. swallowed while the paste was being processed);
      // pressing it again cannot send anything twice. An empty box may mean it was taken: stop pressing.
      if (!obs.last?.reading.inputText) break;
      log.warn('the prompt is still in the input box after Enter; pressing Enter again', { session: s.id, attempt: attempt + 1 });
    }
    if (reportsSubmissions && (await until(obs, () => submittedSince(started), 5_000))) return;
    throw new AegisError('timeout', `the agent did not confirm the prompt within ${Math.round((Date.now() - started) / 1000)} s`, {
      fix: 'check the pane with session_pane; the message stays queued and is retried',
    });
  }

  /**
   * Waits for the input box to show exactly the pasted text before Enter (anything else would be sent
   * with it). If it does not, the text is not typed again here: a paste still on its way would land
   * after the second one. The box is cleared once the screen is quiet and the attempt fails. Answers
   * the observation that shows the text (`anchored`: see pasteAnchored, whose space may be in the box).
   */
  private async awaitShown(s: SessionRecord, obs: SessionObserver, profile: AgentProfile, text: string, anchored = false): Promise<Observation> {
    const { until, settle, log } = this.deps;
    const shown = await until(obs, (o) => boxHolds(o.reading, text), showDeadlineMs(text));
    // A box that shows only the text's end is trusted once the agent has stopped taking it in (a
    // repeated ending could be on screen before the rest arrived).
    if (shown && !shown.reading.inputTail) return shown;
    const quiet = await settle(obs, 500, 5_000);
    if (boxHolds(quiet.reading, text)) return quiet;
    log.warn('the input box does not show the text as typed; clearing it, not typing again', {
      session: s.id,
      box: quiet.reading.inputText.slice(0, 200),
      shellMode: quiet.reading.inputMode === 'shell',
    });
    await this.clearInput(s.tmuxPane!, obs, profile, anchored);
    if (quiet.reading.inputMode === 'shell') {
      throw new AegisError('unavailable', 'the agent took the text as a shell command (its shell mode); nothing was run, and the box was cleared', {
        fix: 'the message stays queued and is retried; if it keeps failing, begin it with a character other than "!"',
      });
    }
    throw new AegisError('unavailable', 'the input box did not show the text as typed', {
      fix: 'check the pane with session_pane; the message stays queued and is retried',
    });
  }

  /**
   * Types a prompt beginning with `!` the `anchored` way (ShellMode): a space, Left, the paste, Right,
   * Backspace. Each key waits for the screen to show the cursor where it puts it: sent back to back,
   * Claude Code 2.1.197 lost the whole paste in 2 of 6 tries. A key not seen done in time leaves the box
   * cleared and the attempt failed, before any Enter.
   */
  private async pasteAnchored(s: SessionRecord, obs: SessionObserver, profile: AgentProfile, text: string): Promise<void> {
    const { tmux, until, log } = this.deps;
    const pane = s.tmuxPane!;
    const seen = async (what: string, since: number, done: (o: Observation) => boolean): Promise<Observation> => {
      const shown = await until(obs, (o) => o.at > since && done(o), KEY_SHOWN_MS);
      if (shown) return shown;
      log.warn('a step of typing a prompt was not seen on screen; clearing the box, not pressing Enter', { session: s.id, step: what });
      await this.clearInput(pane, obs, profile, true);
      throw new AegisError('unavailable', `${what} was not seen on screen in time; the input box was cleared and nothing was sent`, {
        fix: 'check the pane with session_pane; the message stays queued and is retried',
      });
    };
    const press = async (what: string, send: () => Promise<void>, done: (o: Observation) => boolean): Promise<Observation> => {
      const pressed = Date.now();
      await send();
      obs.schedule();
      return seen(what, pressed, done);
    };
    const key = (name: string, done: (o: Observation) => boolean) => press(`the key ${name}`, () => tmux.sendKeys(pane, [name]), done);
    // Where the empty box has its cursor now: the space goes there, the text before it.
    const asked = Date.now();
    obs.schedule();
    const start = (await seen('the empty box', asked, (o) => emptyPromptBox(o) && !!o.cursor)).cursor!;
    await press(
      'the space typed',
      () => tmux.typeLiteral(pane, ' '),
      (o) => emptyPromptBox(o) && cursorAt(o, { x: start.x + 1, y: start.y }),
    );
    await key('Left', (o) => emptyPromptBox(o) && cursorAt(o, start));
    await tmux.paste(pane, text);
    const end = (await this.awaitShown(s, obs, profile, text, true)).cursor!;
    // The cursor is still before the space: Right passes it, and Backspace takes it out.
    await key('Right', (o) => boxHolds(o.reading, text) && !cursorAt(o, end));
    await key('BSpace', (o) => boxHolds(o.reading, text) && cursorAt(o, end));
  }

  /**
   * Empties the input box (a prompt put back by an interrupt, a half-typed line). C-u clears one line
   * of a multi-line box, so it is pressed until the screen shows the box empty. `spaceTyped`: an
   * anchored paste may have left its space in the box (which reads empty) and the cursor before it,
   * so End and the clearing keys are pressed once first.
   */
  async clearInput(pane: string, obs: SessionObserver, profile: AgentProfile, spaceTyped = false): Promise<void> {
    if (spaceTyped) {
      const pressed = Date.now();
      await this.deps.tmux.sendKeys(pane, ['End', ...profile.keys.clearInput]);
      obs.schedule();
      await this.deps.until(obs, (o) => o.at > pressed, 300);
    }
    const leave = profile.keys.shellMode?.leave;
    for (let i = 0; i < 50 && (obs.last?.reading.inputText || obs.last?.reading.inputMode === 'shell'); i++) {
      // An empty box still in shell mode (a paste that began with `!`, or a person at the pane) is left
      // too: a prompt typed there would run as a command. Its key is pressed once the mode is seen gone.
      const leaving = !obs.last.reading.inputText && !!leave;
      await this.deps.tmux.sendKeys(pane, leaving ? leave : profile.keys.clearInput);
      obs.schedule();
      const pressed = Date.now();
      await this.deps.until(obs, (o) => o.at > pressed && (!leaving || o.reading.inputMode !== 'shell'), leaving ? 1_000 : 300);
      if (leaving && obs.last?.reading.inputMode === 'shell') break;
    }
  }
}
