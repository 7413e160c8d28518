/**
 * The chat commands that answer a waiting agent: pending, approve, reject, reason, answer and input.
 * Each finds the prompt it is for (by code, else the sender's current session, never another's),
 * answers it through the tools, and closes its code so every notice of it says who answered.
 */
import type { Dialog, SessionState } from '../../agents/types.js';
import { invalidInput } from '../../errors.js';
import { acquireLease, newHolder, releaseLease } from '../../db/lease.js';
import { ENDED_STATES, type DialogCheck, type SessionRecord } from '../../sessions/index.js';
import { clip } from '../../util/text.js';
import { openDialog, REDRAW_MS, WAITING_STATES, type CodeStore } from '../approvals/codes.js';
import { answeredBy, type PromptNotices } from '../approvals/prompt-notices.js';
import { waitingLines, waitingSessions, type Waiting } from '../approvals/waiting.js';
import type { MessagingDeps } from '../deps.js';
import type { Journal } from '../notifications/journal.js';
import { pickerNotice } from '../notifications/notices.js';
import { dialogLine } from '../present.js';
import type { Rich } from '../../channels/format.js';
import type { ChatTools } from './chat-tools.js';
import { REASON_WAIT_MS } from './contexts.js';
import type { Reply, Sender } from './reply.js';

export interface PromptAnswerDeps {
  services: Pick<MessagingDeps, 'db' | 'events' | 'sessions'>;
  tools: ChatTools;
  codes: CodeStore;
  prompts: PromptNotices;
  journal: Journal;
  /** The sender's current session (the router's; a clear error when there is none). */
  current: (sender: Sender) => SessionRecord;
  /** Makes a session the sender's current one. */
  setCurrent: (sender: Sender, sessionId: string) => void;
  /** The id of the sender's current session, if any. */
  currentId: (sender: Sender) => string | undefined;
}

/** The session an answer is for, and the code of the prompt it answers (none for a plain-text question). */
type Answering = { session: SessionRecord; code?: string };
type Target = Answering | { reply: Reply };

/**
 * The claim (a lease in the database every process shares) an answer to one session's prompt holds
 * while it presses keys: two people answering one code at once, from two chats or two processes,
 * must not both act. Released when the answer is done; a claim of a killed process is taken over.
 */
export const answerClaim = (sessionId: string) => `prompt-answer:${sessionId}`;
/** Longer than any answer takes (the dialog's presses, a refused call winding down, a reason delivered). */
const ANSWER_CLAIM_MS = 120_000;

/** The dialogs a yes or a no answers: a question picker takes an option (answer, input:), never a bare "yes". */
const YES_NO_DIALOGS: readonly Dialog['kind'][] = ['permission', 'plan'];

/** Answers waiting agents from chat; the router hands it the commands that do. */
export class PromptAnswers {
  /** Per session, the answer this process gives now: the next waits for it, then looks at the prompt again. */
  private readonly turns = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: PromptAnswerDeps) {}

  async pending(): Promise<Reply> {
    await this.deps.services.sessions.refreshLive();
    const list = waitingSessions(this.deps.services.sessions, this.deps.codes);
    if (!list.length) return { rich: ['Nothing waits for you.'] };
    return { rich: [{ b: `Waiting for you (${list.length})` }, ...waitingLines(list), '\nReply approve <code>, reject <code> [why], or input: <answer>.'] };
  }

  async approve(sender: Sender, code?: string, scope: 'once' | 'always' = 'once'): Promise<Reply> {
    const done = await this.onPrompt(sender, code, YES_NO_DIALOGS, async (t, expect) => {
      const r = await this.deps.tools.session_approve({ id: t.session.id, scope }, expect);
      this.answered(t, sender, '✅', scope === 'always' ? `approved for the session ("${clip(r.chose, 60)}")` : 'approved');
      return r;
    });
    if ('reply' in done) return done.reply;
    const { t, r } = done;
    this.deps.setCurrent(sender, t.session.id);
    this.deps.journal.add(
      'event',
      `Approved ${t.session.name}: ${[r.approved.tool, r.approved.command ?? r.approved.file ?? r.approved.url].filter(Boolean).join(' ')}`,
      `${sender.channel}:${sender.id}`,
    );
    return { rich: ['✅ Approved ', { b: t.session.name }, ': ', ...dialogLine(r.approved), `. Now ${r.state}.`], ack: 'Approved' };
  }

  async reject(sender: Sender, code?: string, reason?: string): Promise<Reply> {
    const done = await this.onPrompt(sender, code, YES_NO_DIALOGS, async (t, expect) => {
      const r = await this.deps.tools.session_reject({ id: t.session.id, reason }, expect);
      this.answered(t, sender, '🚫', 'rejected');
      return r;
    });
    if ('reply' in done) return done.reply;
    const { t, r } = done;
    this.deps.setCurrent(sender, t.session.id);
    this.deps.journal.add('event', `Rejected ${t.session.name}${reason ? `: ${clip(reason, 120)}` : ''}`, `${sender.channel}:${sender.id}`);
    return {
      rich: ['🚫 Rejected ', { b: t.session.name }, ': ', ...dialogLine(r.rejected), reason ? `. Told it: ${clip(reason, 200)}` : '', `. Now ${r.state}.`],
      ack: 'Rejected',
    };
  }

  /** `reason <code>`: asks for the reason; the router takes the sender's next message as it. */
  async reason(sender: Sender, code?: string): Promise<Reply> {
    const t = await this.waitingTarget(sender, code, YES_NO_DIALOGS);
    if ('reply' in t) return t.reply;
    if (!code) throw invalidInput('code', 'Which prompt?', 'send reason <code>, with the code from the notice');
    return {
      rich: [
        '✍️ Send the reason to reject ',
        { b: t.session.name },
        ` with as your next message, within ${REASON_WAIT_MS / 60_000} minutes (or cancel). A button press or a command is run as itself and ends the wait.`,
      ],
      ack: 'Send the reason',
      keepButtons: true,
    };
  }

  async answer(sender: Sender, code: string | undefined, choice: string): Promise<Reply> {
    const done = await this.onPrompt(sender, code, ['question'], async (t, expect) => {
      const r = await this.deps.tools.session_answer({ id: t.session.id, answer: choice }, expect);
      this.answered(t, sender, '💬', `answered "${clip(r.answeredWith, 60)}"`);
      return r;
    });
    if ('reply' in done) return done.reply;
    const { t, r } = done;
    const next = await this.nextQuestion(t.session.id);
    return {
      rich: ['💬 Answered ', { b: t.session.name }, `: ${clip(r.answeredWith, 100)}. Now ${r.state}.`, ...(next ? ['\n\n', ...next.rich] : [])],
      buttons: next?.buttons,
      ack: 'Answered',
    };
  }

  /**
   * Of several questions asked at once, answering one shows the next (or the review page) without a
   * change of state, so no notice announces it: the reply carries it, with a code that answers it.
   */
  private async nextQuestion(sessionId: string): Promise<Pick<Reply, 'rich' | 'buttons'> | undefined> {
    const { session } = await this.deps.services.sessions.fresh(sessionId);
    const open = openDialog(session);
    if (!open || !session.dialog?.questions) return undefined;
    const notice = pickerNotice(session, session.dialog, this.deps.codes.forDialog(open).code);
    return { rich: notice.rich, buttons: notice.buttons };
  }

  /**
   * `input: <text>` answers the sender's current session only: its question (a picker or plain text),
   * or its next prompt when it waits on nothing. A permission prompt is never answered by free text.
   */
  async input(sender: Sender, text: string): Promise<Reply> {
    if (!text) throw invalidInput('text', 'The answer is empty.', 'write it after input:');
    const target = this.deps.current(sender);
    const done = await this.inTurn<{ r: Awaited<ReturnType<ChatTools['session_answer']>> }>(target, async () => {
      await this.deps.services.sessions.refreshLive();
      const waiting = waitingSessions(this.deps.services.sessions, this.deps.codes);
      const mine = waiting.find((w) => w.session.id === target.id);
      if (mine?.session.dialog && YES_NO_DIALOGS.includes(mine.session.dialog.kind)) return { reply: this.notYours(target, 'input:', waiting) };
      const code = mine?.code;
      const r = await this.deps.prompts.answeringWith(code, () =>
        this.deps.tools.session_answer({ id: target.id, answer: text }, code ? this.shows(code) : undefined),
      );
      this.answered({ session: target, code }, sender, '💬', `answered "${clip(r.answeredWith, 60)}"`);
      return { r };
    });
    if ('reply' in done) return done.reply;
    this.deps.setCurrent(sender, target.id);
    return { rich: ['💬 Answered ', { b: target.name }, `. Now ${done.r.state}.`] };
  }

  /**
   * Answers the prompt `code` names (or the sender's current one) with `act`, in the session's turn:
   * the prompt is looked at again once the turn comes (an answer before it may have closed it), and
   * `act` gets the check the key presses are made under, that the session still shows that very
   * dialog (a newer one that replaced it is never answered by this code).
   */
  private async onPrompt<T>(
    sender: Sender,
    code: string | undefined,
    fits: readonly Dialog['kind'][],
    act: (t: Answering, expect?: DialogCheck) => Promise<T>,
  ): Promise<{ t: Answering; r: T } | { reply: Reply }> {
    const first = await this.waitingTarget(sender, code, fits);
    if ('reply' in first) return first;
    return this.inTurn(first.session, async () => {
      const t = first.code ? await this.waitingTarget(sender, first.code, fits) : first;
      if ('reply' in t) return t;
      const expect = t.code ? this.shows(t.code) : undefined;
      return { t, r: await this.deps.prompts.answeringWith(t.code, () => act(t, expect)) };
    });
  }

  /**
   * Runs `answer` when the session's earlier answers in this process are done, holding the session's
   * answer claim; a claim another process (or a stuck answer) holds refuses it, and nothing is pressed.
   */
  private inTurn<T>(session: SessionRecord, answer: () => Promise<T | { reply: Reply }>): Promise<T | { reply: Reply }> {
    const db = this.deps.services.db;
    const turn = (this.turns.get(session.id) ?? Promise.resolve())
      .catch(() => undefined)
      .then(async (): Promise<T | { reply: Reply }> => {
        const holder = newHolder();
        if (!acquireLease(db, answerClaim(session.id), holder, ANSWER_CLAIM_MS))
          return {
            reply: {
              rich: [
                '⚠️ Another answer to ',
                { b: session.name },
                ' is being given right now. Nothing changed.',
                '\n→ send pending in a moment for what is open then',
              ],
              ack: 'Being answered elsewhere — nothing changed',
              failed: true,
            },
          };
        try {
          return await answer();
        } finally {
          releaseLease(db, answerClaim(session.id), holder);
        }
      });
    this.turns.set(session.id, turn);
    const done = () => {
      if (this.turns.get(session.id) === turn) this.turns.delete(session.id);
    };
    turn.then(done, done);
    return turn;
  }

  /** The check made just before a key is pressed: the session still shows the dialog instance `code` names. */
  private shows(code: string): DialogCheck {
    return (shown) => this.deps.codes.stillOpen(code, openDialog(shown));
  }

  /**
   * The session an approve/reject/answer is for: the one the code names (only while its dialog is the
   * one the code was given for); without a code, the sender's current session, and only while it shows
   * a dialog of a kind in `fits`. Never another session's prompt without its code: a "yes" typed to
   * one session's plain-text question must not approve a command another session waits on.
   */
  private async waitingTarget(sender: Sender, code: string | undefined, fits: readonly Dialog['kind'][]): Promise<Target> {
    const codes = this.deps.codes;
    if (code) {
      const c = codes.get(code);
      if (!c) throw invalidInput('code', `No prompt has code ${code}.`, 'send pending to see the open prompts and their codes');
      // A late press (or a code typed after the prompt was answered elsewhere) changes nothing, and says so.
      const late = (why: string): Target => ({
        reply: {
          rich: ['⚠️ ', `Code ${code} ${why}. Nothing changed.`, '\n→ send pending for what is open now'],
          ack: 'Already answered — nothing changed',
          failed: true,
        },
      });
      if (c.closedAt) return late(c.resolution ? `was already ${c.resolution}` : 'was already answered');
      const { session, leftAt } = await this.settled(c.sessionId);
      const instance = openDialog(session);
      // Back on the same prompt after a redraw, before a notifier in this process carried its code over.
      if (instance && leftAt !== undefined && instance.openedAt !== c.openedAt && instance.openedAt - leftAt < REDRAW_MS) codes.carryOver(instance);
      if (!codes.stillOpen(c.code, instance)) return late(`is gone: its prompt is no longer on screen (${session.name} is ${session.state} now)`);
      return { session, code: c.code };
    }
    await this.deps.services.sessions.refreshLive();
    const waiting = waitingSessions(this.deps.services.sessions, codes);
    const currentId = this.deps.currentId(sender);
    const mine = waiting.find((w) => w.session.id === currentId);
    if (mine?.code && mine.session.dialog && fits.includes(mine.session.dialog.kind)) return { session: mine.session, code: mine.code };
    if (!waiting.length) return { reply: { rich: ['Nothing is waiting for approval.'] } };
    const current = currentId ? this.deps.services.sessions.get(currentId) : undefined;
    return { reply: this.notYours(current, 'An answer without a code', waiting) };
  }

  /**
   * Why an answer without a code did nothing: it goes only to the sender's current session, which
   * does not wait on a prompt that answer fits. Lists what waits, with the codes that answer it.
   */
  private notYours(current: SessionRecord | undefined, what: string, waiting: Waiting[]): Reply {
    const where: Rich = current
      ? [
          `${what} goes only to your current session, `,
          { b: current.name },
          openDialog(current) ? ', which shows a prompt it does not answer' : `, which is ${current.state}`,
        ]
      : [`${what} goes only to your current session, and you have none`];
    return {
      rich: [
        ...where,
        '. Nothing was answered.\n',
        { b: `Waiting (${waiting.length})` },
        ...waitingLines(waiting),
        '\nReply approve <code>, reject <code> [why], or answer <code> <choice>.',
      ],
      ack: 'Nothing answered: say which code',
      failed: true,
    };
  }

  /**
   * The session once a redraw, if one is under way, is over. A session that left its prompt less than
   * REDRAW_MS ago may be drawing it again (a loaded machine redraws slowly): a press landing in that gap
   * waits for it to come back, at most until REDRAW_MS after it left, instead of calling the prompt gone.
   */
  private async settled(sessionId: string): Promise<{ session: SessionRecord; leftAt?: number }> {
    const { sessions, events } = this.deps.services;
    const { session } = await sessions.fresh(sessionId);
    const leftAt = session.stateSince;
    if (openDialog(session) || ENDED_STATES.includes(session.state) || Date.now() - leftAt >= REDRAW_MS) return { session };
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, leftAt + REDRAW_MS - Date.now());
      const off = events.on('session_state_changed', (e) => {
        if (e.sessionId === sessionId && WAITING_STATES.includes(e.to as SessionState)) done();
      });
    });
    return { session: (await sessions.fresh(sessionId)).session, leftAt };
  }

  /** The prompt is answered: its code closes, and every notice of it says who answered it, where and when. */
  private answered(t: Answering, sender: Sender, icon: string, verb: string): void {
    if (t.code) {
      const dialog = this.deps.codes.get(t.code)?.dialog;
      this.deps.prompts.resolve(
        t.code,
        icon,
        answeredBy(verb, sender.channel, sender.name ?? sender.id),
        [{ b: t.session.name }, ...(dialog ? [' ', ...dialogLine(dialog)] : [])],
        sender.channel,
      );
    }
    this.deps.codes.close(t.session.id);
  }
}
