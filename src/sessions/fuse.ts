import type { AgentStatus, HookFacts } from '../agents/profile.js';
import { DIALOG_STATE, looksLikeQuestion } from '../agents/reading.js';
import type { Dialog, ScreenReading, SessionState } from '../agents/types.js';
import { showsText } from '../terminal/typed-text.js';

export interface FusedState {
  state: SessionState;
  /** Read the screen again at this time (ms since the epoch): a hold on the screen's word ends then. */
  recheckAt?: number;
  dialog?: Dialog;
  lastAssistant?: string;
  error?: string;
}

/** How long an idle-looking screen reads as working while the agent's events have the turn open. */
const OPEN_TURN_HOLD_MS = 5_000;

/**
 * Fuses four sources: the pane's life (tmux), the screen, the agent's events (hooks, notify) and its
 * status file (profile.statusSource). Each question has one authority; the next source is used only
 * where the one before cannot tell. (The transcript is read for turns and files, not for live state.)
 *
 *   question                          1st                       then                          then
 *   agent gone / exited               tmux (pane gone, dead)    SessionEnd hook               screen
 *   a dialog is open: kind, options   screen                    -                             -
 *   the dialog's tool and input       PermissionRequest hook,   the agent's log of calls,     screen
 *                                     before it the one call    if it is the call on screen
 *                                     announced (PreToolUse)
 *   working / idle                    screen                    status file, when written     a reported turn end
 *                                                               after the screen last changed newer than both, else
 *                                                                                             the previous state
 *   working, on a screen that reads   the agent's log of turns  its events (a prompt taken,   -
 *   idle but shows no turn's end      (started, not ended)      no turn end yet), for 5 s
 *   plain-text question vs idle       Stop hook's last message  screen's last message, only   -
 *                                     (of the latest turn)      if no later prompt replaced it
 *   agent version                     status file               -                             -
 *
 * The status file never overrides a readable screen, nor a blank one that changed after it was
 * written (a frame being redrawn): it is written at other moments than the screen, read a moment
 * later, and `waiting` carries no dialog details.
 */
export function fuse(opts: {
  paneGone: boolean;
  paneDead: boolean;
  reading: ScreenReading;
  facts: HookFacts;
  /** The agent's status file, when found and checked to be this agent's (see statusBelongs). */
  status?: AgentStatus;
  /** When the screen's content last changed (ms since the epoch), to tell which source is newer. */
  screenChangedAt?: number;
  /** The time of this reading (ms since the epoch); without it nothing is held against the screen. */
  now?: number;
  previous: SessionState;
  /** Whether the agent has ever been ready; before that an unreadable screen means starting. */
  everReady: boolean;
  /** The agent's own log of turns (profile.turnRunning): whether one is running. Asked only when needed. */
  turnRunning?: () => boolean | undefined;
  /** The agent's own log of calls (profile.pendingCall): the call waiting for its result. Asked only for a permission dialog. */
  pendingCall?: () => { tool: string; input: Record<string, unknown> } | undefined;
}): FusedState {
  const { reading, facts, previous } = opts;
  if (opts.paneGone) return { state: 'dead' };
  if (opts.paneDead || reading.state === 'exited' || facts.ended) return { state: 'exited' };

  if (reading.dialog) {
    let dialog = reading.dialog;
    // The PermissionRequest hook carries the exact tool and input: authoritative over the screen,
    // which may truncate, wrap or (on some releases) not show them. Used only when it is for the
    // tool on screen, or the screen could not name the tool. It comes a moment after the dialog is
    // drawn; the call the agent announced before asking (PreToolUse) stands in for it until then.
    // Without either, the details are marked `detailsKnown: false` until the hook confirms them.
    const hook = dialog.kind === 'permission' ? dialogCall(facts, dialog.tool) : undefined;
    if (dialog.kind === 'permission' && hook?.tool && (dialog.tool === undefined || dialog.tool === hook.tool)) {
      const { detailsKnown: _unknownUntilNow, ...shown } = dialog;
      const input = hook.input;
      dialog = {
        ...shown,
        tool: hook.tool,
        command: typeof input.command === 'string' ? input.command : shown.command,
        file: typeof input.file_path === 'string' ? input.file_path : shown.file,
        url: typeof input.url === 'string' ? input.url : shown.url,
      };
    } else if (dialog.kind === 'permission' && dialog.command !== undefined) dialog = withLoggedCommand(dialog, opts.pendingCall?.());
    return { state: DIALOG_STATE[dialog.kind], dialog };
  }

  switch (reading.state) {
    case null: {
      if (!opts.everReady) return { state: 'starting' };
      const status = opts.status?.updatedAt !== undefined && opts.status.updatedAt > (opts.screenChangedAt ?? Infinity) ? opts.status.status : undefined;
      if (status === 'busy') return { state: 'working' };
      if (status === 'idle') return { state: 'idle' };
      // A turn end the agent reported (Stop hook, Codex notify) after the screen last changed and
      // after the last prompt: the turn is over even though the screen cannot say so yet.
      const stop = facts.lastStop;
      if (!status && stop && stop.at > (opts.screenChangedAt ?? Infinity) && stop.at >= (facts.lastPromptAt ?? 0)) {
        return { state: stop.message && looksLikeQuestion(stop.message) ? 'asking' : 'idle', lastAssistant: stop.message };
      }
      return { state: previous === 'starting' ? 'idle' : previous };
    }
    case 'idle': {
      // The frame between an answered dialog and the tool it allowed (2.1.332 draws it): the box is
      // back, but the turn has neither finished nor been refused. One look later it is the screen's.
      const betweenDialogAndTool = (previous === 'permission_prompt' || previous === 'plan') && !reading.turnFinished && !reading.interrupted && !reading.error;
      if (betweenDialogAndTool) return { state: 'working' };
      // An agent may draw nothing that says it is working while it streams an answer (Codex 0.171):
      // unless the screen shows how the last turn ended, the agent's own log of turns decides.
      const endShown = reading.turnFinished || !!reading.interrupted || reading.error !== undefined;
      if (!endShown && opts.turnRunning?.()) return { state: 'working' };
      // An agent that reports each prompt it takes and each turn it completes (Claude Code's
      // UserPromptSubmit and Stop hooks) may draw a frame without its spinner mid-turn (2.1.197,
      // between an answer and its Stop hooks): a turn its events have open is working. Not when the box
      // holds text (an interrupt before any output puts the prompt back, and sends no Stop), and only
      // briefly, since a prompt a hook refused never gets a Stop: an idle screen that stays wins then.
      const open = !reading.inputText && facts.lastPromptAt !== undefined && (facts.lastStop?.at ?? -Infinity) < facts.lastPromptAt;
      const heldUntil = (opts.screenChangedAt ?? -Infinity) + OPEN_TURN_HOLD_MS;
      if (!endShown && open && opts.now !== undefined && opts.now < heldUntil) return { state: 'working', recheckAt: heldUntil };
      // The Stop hook's message is the whole last answer; the screen may show only its tail.
      const stopIsLatest = facts.lastStop && (facts.lastPromptAt === undefined || facts.lastStop.at >= facts.lastPromptAt);
      const last = (stopIsLatest ? facts.lastStop?.message : undefined) ?? reading.lastAssistantText;
      // A question belongs to the turn that asked it. A later prompt interrupted before any output
      // leaves the screen as it was, the old question last: that text is the last Stop's, and a
      // prompt came after it, so it no longer asks anything.
      const replaced = !stopIsLatest && facts.lastStop?.message !== undefined && last !== undefined && isTailOf(last, facts.lastStop.message);
      if (reading.error) return { state: 'error', error: reading.error, lastAssistant: last };
      if (last && !replaced && looksLikeQuestion(last) && !reading.inputText) return { state: 'asking', lastAssistant: last };
      return { state: 'idle', lastAssistant: last };
    }
    case 'error':
      return { state: 'error', error: reading.error };
    default:
      return { state: reading.state };
  }
}

/**
 * The call a permission dialog is about, from the agent's events. Its PermissionRequest, unless a call
 * of the dialog's tool was announced (PreToolUse) after it: that request's dialog is over, or calls
 * run side by side and either could be on screen. Before the request, the one open call of the
 * dialog's tool (any tool when the screen could not name it) not yet asked about. Several open calls
 * of that tool (side by side, or one rejected earlier in the turn): none, the screen's word stands.
 */
function dialogCall(facts: HookFacts, tool: string | undefined): { tool: string; input: Record<string, unknown> } | undefined {
  const open = (facts.calls ?? []).filter((c) => tool === undefined || c.tool === tool);
  const requestAt = facts.permission?.at ?? -Infinity;
  if (!open.some((c) => c.at > requestAt)) return facts.permission;
  const call = open.length === 1 ? open[0]! : undefined;
  return call && !call.asked ? call : undefined;
}

/**
 * The command as the agent logged the call (Codex: its session log), when it is the command the
 * dialog shows: the screen wraps a multi-line command onto one and does not draw some characters.
 */
function withLoggedCommand(dialog: Dialog, call: { tool: string; input: Record<string, unknown> } | undefined): Dialog {
  const logged = call && call.tool === dialog.tool ? call.input.cmd : undefined;
  return typeof logged === 'string' && showsText(dialog.command!, logged) ? { ...dialog, command: logged } : dialog;
}

/** Letters and digits only: what survives an agent rendering Markdown and wrapping lines. */
const words = (text: string): string => text.replace(/[^\p{L}\p{N}]+/gu, '');

/** Whether the screen's text `shown` is (the end of) `message`, the screen showing only its tail. */
function isTailOf(shown: string, message: string): boolean {
  const tail = words(shown);
  return tail !== '' && words(message).endsWith(tail);
}
