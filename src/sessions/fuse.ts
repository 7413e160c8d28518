import { DIALOG_STATE, looksLikeQuestion } from '../agents/claude/detect.js';
import type { Dialog, ScreenReading, SessionState } from '../agents/types.js';
import type { HookFacts } from './hook-events.js';

export interface FusedState {
  state: SessionState;
  dialog?: Dialog;
  lastAssistant?: string;
  error?: string;
}

/**
 * Fuses the three sources with a fixed precedence: the pane's life (tmux) over the screen over the
 * hooks. The screen decides what is shown now; hooks fill in what the screen cannot tell (the tool
 * and input behind a dialog, the full last message that decides idle vs a plain-text question).
 */
export function fuse(opts: {
  paneGone: boolean;
  paneDead: boolean;
  reading: ScreenReading;
  facts: HookFacts;
  previous: SessionState;
  /** Whether the agent has ever been ready; before that an unreadable screen means starting. */
  everReady: boolean;
}): FusedState {
  const { reading, facts, previous } = opts;
  if (opts.paneGone) return { state: 'dead' };
  if (opts.paneDead || reading.state === 'exited' || facts.ended) return { state: 'exited' };

  if (reading.dialog) {
    let dialog = reading.dialog;
    // The PermissionRequest hook carries the exact tool and input: authoritative over the screen,
    // which may truncate, wrap or (on some releases) not show them. Used only when it is for the
    // tool on screen, or the screen could not name the tool. The state is published at once; the
    // details are marked `detailsKnown: false` until the hook confirms them.
    const hook = facts.permission;
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
    }
    return { state: DIALOG_STATE[dialog.kind], dialog };
  }

  switch (reading.state) {
    case null:
      return { state: opts.everReady ? (previous === 'starting' ? 'idle' : previous) : 'starting' };
    case 'idle': {
      // The Stop hook's message is the whole last answer; the screen may show only its tail.
      const stopIsLatest = facts.lastStop && (facts.lastPromptAt === undefined || facts.lastStop.at >= facts.lastPromptAt);
      const last = (stopIsLatest ? facts.lastStop?.message : undefined) ?? reading.lastAssistantText;
      if (reading.error) return { state: 'error', error: reading.error, lastAssistant: last };
      if (last && looksLikeQuestion(last) && !reading.inputText) return { state: 'asking', lastAssistant: last };
      return { state: 'idle', lastAssistant: last };
    }
    case 'error':
      return { state: 'error', error: reading.error };
    default:
      return { state: reading.state };
  }
}
