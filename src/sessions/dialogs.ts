/** Dialogs: approving, rejecting or answering what the agent shows, done once the dialog is gone from the screen. */
import type { AgentProfile, KeyPlan } from '../agents/profile.js';
import { profileOf } from '../agents/registry.js';
import type { Dialog, SessionState } from '../agents/types.js';
import { AegisError } from '../errors.js';
import type { SendResult, SessionCore } from './core.js';
import { kill } from './controls.js';
import { answerDialog } from './dialog-answer.js';
import { untilObserved } from './observation-waits.js';
import type { SessionObserver } from './observer.js';
import type { SessionRecord } from './store.js';
import { checkTypedAnswer } from '../terminal/typed-text.js';
import { rememberTrustedFolder } from './trusted-folders.js';

/** The keys that answer the session's dialogs; only agents with dialogs show one to answer. */
function dialogKeys(s: SessionRecord): NonNullable<AgentProfile['dialogKeys']> {
  const keys = profileOf(s.agent).dialogKeys;
  if (!keys)
    throw new AegisError('conflict', `agent ${s.agent} shows no dialogs Aegis can answer`, {
      field: 'id',
      fix: 'send the answer as a prompt with session_send',
    });
  return keys;
}

/**
 * Whether the session, as observed just before a key is pressed, still shows the dialog the caller
 * means to answer (a chat code names one dialog instance): an answer meant for one dialog must never
 * land on another that replaced it, nor press a key twice for one dialog.
 */
export type DialogCheck = (shown: SessionRecord) => boolean;

function checkShown(session: SessionRecord, expect: DialogCheck | undefined): void {
  if (expect && !expect(session))
    throw new AegisError('conflict', `session ${session.name} no longer shows the dialog this answer was for (state: ${session.state}); nothing was pressed`, {
      field: 'id',
      fix: 'see what it shows now (session_get, or pending in chat) and answer that',
    });
}

async function dialogOf(core: SessionCore, ref: string, expect?: DialogCheck): Promise<{ session: SessionRecord; observer: SessionObserver; dialog: Dialog }> {
  const { session, observer } = await core.fresh(ref);
  checkShown(session, expect);
  const dialog = observer?.last?.dialog;
  if (!observer || !dialog) {
    throw new AegisError('conflict', `session ${session.name} has no open dialog (state: ${session.state})`, {
      field: 'id',
      fix:
        session.state === 'asking'
          ? 'the agent asked in plain text: answer with session_answer (free text) or session_send'
          : 'wait for state permission_prompt or asking (session_wait) before answering',
    });
  }
  return { session, observer, dialog };
}

/**
 * Answers the open dialog and returns the state once it is gone from the screen (see answerDialog). An
 * answer that trusted the work folder in the agent's own dialog is remembered: later sessions there
 * start with it trusted (sessions/trusted-folders.ts).
 */
async function pressAndSettle(core: SessionCore, s: SessionRecord, obs: SessionObserver, plan: KeyPlan, dialog: Dialog): Promise<SessionState> {
  if (plan.endsSession) {
    // An agent left where it can do nothing more would read as a live one waiting, and take queued prompts as keys.
    await kill(core, s.id, plan.endsSession);
    return 'exited';
  }
  const pane = s.tmuxPane!;
  const gone = await answerDialog(
    {
      press: async (keys) => {
        await core.tmux.sendKeys(pane, keys);
        obs.schedule();
      },
      type: (text) => core.tmux.typeLiteral(pane, text),
      until: (pred, timeoutMs) => untilObserved(core.monitor, obs, pred, timeoutMs),
      last: () => obs.last,
      leftDialogSince: (since) => {
        const status = obs.agentStatus;
        return status !== undefined && status.status !== 'waiting' && (status.updatedAt ?? 0) >= since;
      },
      onRepeat: (keys, press) => core.deps.log.info('dialog key not taken; pressing again', { session: s.id, keys: keys.join(' '), press }),
    },
    obs.last?.reading.dialog ?? dialog,
    plan,
  );
  if (plan.trustsWorkDir) rememberTrustedFolder(core.deps.db, s.workDir, Date.now());
  return gone.state;
}

export async function approve(
  core: SessionCore,
  ref: string,
  scope: 'once' | 'always',
  expect?: DialogCheck,
): Promise<{ state: SessionState; dialog: Dialog; chose: string }> {
  const { session, observer, dialog } = await dialogOf(core, ref, expect);
  const plan = dialogKeys(session).approve(dialog, scope);
  const state = await pressAndSettle(core, session, observer, plan, dialog);
  return { state, dialog, chose: plan.label ?? plan.keys.join(' ') };
}

/** How long a refused tool call may take to wind down; an agent still working then is reported so. */
const WIND_DOWN_MS = 5_000;

export async function reject(
  core: SessionCore,
  ref: string,
  reason?: string,
  expect?: DialogCheck,
): Promise<{ state: SessionState; dialog: Dialog; followUp?: SendResult }> {
  const { session, observer, dialog } = await dialogOf(core, ref, expect);
  let state = await pressAndSettle(core, session, observer, dialogKeys(session).reject(dialog), dialog);
  if (state === 'working') {
    // The agent winds the refused tool call down (Claude Code, Codex and Gemini CLI then end the
    // turn): the state to report is the one after, not a frame of it (a phone read "Now working" for
    // an agent that had stopped), and a reason should be the next prompt, not queued behind it.
    state = (await untilObserved(core.monitor, observer, (o) => o.state !== 'working', WIND_DOWN_MS))?.state ?? state;
  }
  const followUp = reason && state !== 'exited' ? await core.send(session.id, reason) : undefined;
  return { state: followUp?.status === 'delivered' ? 'working' : state, dialog, followUp };
}

export async function answer(
  core: SessionCore,
  ref: string,
  choice: string | number,
  expect?: DialogCheck,
): Promise<{ state: SessionState; answeredWith: string; viaMessage?: SendResult }> {
  const { session, observer } = await core.fresh(ref);
  checkShown(session, expect);
  const dialog = observer?.last?.dialog;
  if (!dialog) {
    if (session.state === 'asking' || session.state === 'idle') {
      const viaMessage = await core.send(session.id, String(choice));
      return { state: core.store.get(session.id)!.state, answeredWith: String(choice), viaMessage };
    }
    throw new AegisError('conflict', `session ${session.name} is not asking anything (state: ${session.state})`, {
      field: 'id',
      fix: 'wait for state asking (session_wait), or use session_send',
    });
  }
  const plan = dialogKeys(session).answer(dialog, choice);
  if (plan.text) plan.text = checkTypedAnswer('answer', plan.text);
  const before = observer!.last?.reading.lastAnswer;
  const state = await pressAndSettle(core, session, observer!, plan, dialog);
  if (plan.unseen === undefined) return { state, answeredWith: plan.label ?? String(choice) };
  // An option picked unseen: what it was is known only from the screen once it is answered.
  const shown = await untilObserved(core.monitor, observer!, (o) => !!o.reading.lastAnswer && o.reading.lastAnswer !== before, ANSWER_SHOWS_MS);
  return { state: shown?.state ?? state, answeredWith: answeredLabel(shown?.reading.lastAnswer) ?? plan.label! };
}

/** How long the answered question's box may take to be drawn after the dialog went. */
const ANSWER_SHOWS_MS = 2_000;

/** `Choice → Africa` → `Africa`; several answers stay whole (`Q1 → a; Q2 → b`). */
function answeredLabel(drawn: string | undefined): string | undefined {
  if (!drawn || drawn.includes('; ')) return drawn;
  return drawn.slice(drawn.indexOf(' → ') + 3);
}
