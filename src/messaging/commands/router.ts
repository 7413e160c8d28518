/**
 * The command router: turns a parsed chat command into calls of the same tool handlers MCP and the CLI
 * use, and their results into short replies for a phone. Answers to waiting prompts are in
 * prompt-answers.ts.
 */
import type { Rich } from '../../channels/format.js';
import { invalidInput, toAegisError } from '../../errors.js';
import type { ChatCommandSpec } from '../../integrations/index.js';
import type { SessionRecord } from '../../sessions/index.js';
import { clip } from '../../util/text.js';
import { CODE_PATTERN, openDialog, type CodeStore } from '../approvals/codes.js';
import type { PromptNotices } from '../approvals/prompt-notices.js';
import type { MessagingDeps } from '../deps.js';
import { briefing } from '../notifications/briefing.js';
import { localTime, parseDay, type Journal } from '../notifications/journal.js';
import { statusReport, tasksReport } from '../notifications/status.js';
import { ago, dialogLine, shortId } from '../present.js';
import type { ChatTools } from './chat-tools.js';
import { REASON_WAIT_MS, type ContextStore } from './contexts.js';
import { chatCommandHelp, runChatCommand } from './integration-commands.js';
import { runOperator, type Operator } from './operators.js';
import { parseCommand, type Intent } from './parser.js';
import { PromptAnswers } from './prompt-answers.js';
import type { Reply, Sender } from './reply.js';

/** The services chat commands read besides the tools. */
export type RouterServices = Pick<MessagingDeps, 'config' | 'db' | 'events' | 'sessions' | 'pipelines' | 'integrations'>;

export interface RouterDeps {
  /** The tools chat commands run (caller 'chat'), built by the tools area. */
  tools: ChatTools;
  codes: CodeStore;
  prompts: PromptNotices;
  contexts: ContextStore;
  journal: Journal;
  operators: () => Map<string, Operator>;
}

const HELP: Rich = [
  { b: 'Aegis commands' },
  '\ntask: <brief> — start a session (task: worktree: <brief> — in its own git worktree)',
  '\nc: <text> — tell your current session',
  '\nsessions · session <id> · stop session',
  '\npending — who waits for you, with codes',
  '\napprove <code> [always] · reject <code> [why] · answer <code> <n, 1,3 or text>',
  '\nreason <code> — reject it with your next message as the reason',
  '\ninput: <text> — answer the current question',
  '\nrecall [full] <words> — search the knowledge graph',
  '\nstatus · tasks · morning · evening',
  '\njournal [date] · journal: <note>',
  '\nfailed — messages that could not be delivered · resend <id>|all',
];

/** Reply shapes for errors: what went wrong and, on its own line, what to do. */
function errorReply(err: unknown): Reply {
  const e = toAegisError(err);
  const fix: Rich = e.fix ? [`\n→ ${e.fix}`] : [];
  return { rich: ['⚠️ ', e.code === 'internal' ? `Something failed: ${e.message}` : e.message, ...fix], ack: 'Failed', failed: true };
}

/** Runs chat commands for senders (callTool, caller 'chat'); one per call of MessagingService.handle. */
export class CommandRouter {
  private readonly answers: PromptAnswers;

  constructor(
    private readonly services: RouterServices,
    private readonly deps: RouterDeps,
  ) {
    this.answers = new PromptAnswers({
      services,
      tools: deps.tools,
      codes: deps.codes,
      prompts: deps.prompts,
      journal: deps.journal,
      current: (sender) => this.current(sender),
      setCurrent: (sender, id) => this.setCurrent(sender, id),
      currentId: (sender) => this.deps.contexts.get(sender.channel, sender.id).currentSession,
    });
  }

  /** What a message asks for, with the integrations' commands known. */
  async intentOf(text: string): Promise<Intent> {
    return this.parse(
      text,
      (await this.services.integrations.load()).commands.map((c) => c.command),
    );
  }

  parse(text: string, commands: readonly ChatCommandSpec[] = []): Intent {
    // A word that looks like a code is a code only if such a code was ever given out, so
    // "reject add tests" keeps "add" as part of the reason.
    return parseCommand(text, { operators: [...this.deps.operators().keys()], isCode: (w) => CODE_PATTERN.test(w) && !!this.deps.codes.get(w), commands });
  }

  /**
   * Runs one message. After `reason <code>` (the "reject with a reason" button) the next message is
   * the reason, but only plain text within REASON_WAIT_MS: a button press or a command is run as
   * itself (an Approve pressed after changing one's mind approves), and the wait ends either way.
   */
  async handle(sender: Sender, text: string, opts: { callback?: boolean } = {}): Promise<{ intent: Intent; reply: Reply }> {
    let intent: Intent = { kind: 'empty' };
    let reply: Reply;
    try {
      const pending = text.trim() ? this.deps.contexts.pendingReason(sender.channel, sender.id) : undefined;
      intent = await this.intentOf(text);
      let aside: Rich = [];
      if (pending) {
        const live = Date.now() - pending.since < REASON_WAIT_MS;
        if (live && !opts.callback && intent.kind === 'unknown') {
          this.deps.contexts.update(sender.channel, sender.id, { lastIntent: 'reject' });
          if (/^cancel$/i.test(text.trim())) return { intent: { kind: 'empty' }, reply: { rich: ['Not rejected; the prompt is still open.'] } };
          intent = { kind: 'reject', code: pending.code, reason: text.trim() };
          return { intent, reply: await this.dispatch(sender, intent).catch(errorReply) };
        }
        aside = live
          ? [`\n(Not taken as the reason to reject ${pending.code}: ${opts.callback ? 'a button press' : 'a command'} ends the wait for it.)`]
          : [
              `\n(Not taken as the reason to reject ${pending.code}: the wait for it ended after ${REASON_WAIT_MS / 60_000} minutes; send reason ${pending.code} again.)`,
            ];
      }
      reply = await this.dispatch(sender, intent);
      reply = { ...reply, rich: [...reply.rich, ...aside] };
      if (intent.kind === 'reason' && !reply.failed && intent.code) {
        this.deps.contexts.awaitReason(sender.channel, sender.id, intent.code);
        return { intent, reply };
      }
    } catch (err) {
      reply = errorReply(err);
    }
    this.deps.contexts.update(sender.channel, sender.id, { lastIntent: intent.kind });
    return { intent, reply };
  }

  private setCurrent(sender: Sender, sessionId: string | null): void {
    this.deps.contexts.update(sender.channel, sender.id, { currentSession: sessionId });
  }

  private current(sender: Sender): SessionRecord {
    const id = this.deps.contexts.get(sender.channel, sender.id).currentSession;
    const s = id ? this.services.sessions.get(id) : undefined;
    if (!s) throw invalidInput('session', 'You have no current session.', 'start one with task: <brief>, or pick one with session <id> (see sessions)');
    return s;
  }

  private async dispatch(sender: Sender, intent: Intent): Promise<Reply> {
    const who = `${sender.channel}:${sender.id}`;
    switch (intent.kind) {
      case 'empty':
        return { rich: ['Send ', { b: 'help' }, ' for the commands.'] };
      case 'unknown':
        return {
          rich: intent.suggestions.length
            ? [`Unknown command: "${clip(intent.word, 40)}" — did you mean: ${intent.suggestions.join(' or ')}?`]
            : [`Unknown command: "${clip(intent.word, 40)}". Send help for the list.`],
        };
      case 'help':
        return { rich: [...HELP, ...(await chatCommandHelp(this.services.integrations))] };
      case 'command':
        return runChatCommand(this.services.integrations, sender, intent, this.deps.tools.byName);
      case 'task':
        return this.task(sender, intent.brief);
      case 'continue': {
        const s = this.current(sender);
        if (!intent.text) throw invalidInput('text', 'Nothing to send.', 'write the message after c:');
        const r = await this.deps.tools.session_send({ id: s.id, text: intent.text });
        if (r.status === 'failed')
          return {
            rich: ['❌ Not delivered to ', { b: s.name }, `: ${r.error ?? 'the agent did not take it'}. Check it with: session ${s.name}`],
            failed: true,
          };
        return {
          rich: ['📨 ', r.status === 'queued' ? `Queued for ` : 'Sent to ', { b: s.name }, r.status === 'queued' ? ` (#${r.position ?? 1}; it is busy)` : ''],
        };
      }
      case 'sessions':
        return this.sessions(sender);
      case 'session':
        return this.session(sender, intent.ref);
      case 'stop': {
        const s = intent.ref ? this.services.sessions.resolve(intent.ref) : this.current(sender);
        const r = await this.deps.tools.session_kill({ id: s.id });
        if (this.deps.contexts.get(sender.channel, sender.id).currentSession === s.id) this.setCurrent(sender, null);
        this.deps.journal.add('event', `Stopped ${s.name}`, who);
        return { rich: ['⏹ Stopped ', { b: s.name }, ` (${r.killedProcesses} process${r.killedProcesses === 1 ? '' : 'es'}).`] };
      }
      case 'input':
        return this.answers.input(sender, intent.text);
      case 'pending':
        return this.answers.pending();
      case 'approve':
        return this.answers.approve(sender, intent.code, intent.scope);
      case 'reason':
        return this.answers.reason(sender, intent.code);
      case 'reject':
        return this.answers.reject(sender, intent.code, intent.reason);
      case 'answer':
        return this.answers.answer(sender, intent.code, intent.choice);
      case 'recall':
        return this.recall(intent.query, intent.full);
      case 'status':
        return { rich: await statusReport(this.services) };
      case 'tasks':
        await this.services.sessions.refreshLive();
        return { rich: tasksReport(this.services) };
      case 'journal':
        return this.journalDay(intent.day);
      case 'note': {
        if (!intent.text) throw invalidInput('text', 'The note is empty.', 'write it after journal:, e.g. journal: deployed v2 to staging');
        this.deps.journal.add('note', intent.text, who);
        return { rich: ['📝 Noted in today’s journal.'] };
      }
      case 'briefing':
        await this.services.sessions.refreshLive();
        return { rich: await briefing(this.services, this.deps.codes, this.deps.journal, intent.which) };
      case 'operator':
        return this.operator(sender, intent.name, intent.extra);
      case 'failed':
        return this.failed();
      case 'resend': {
        if (!intent.all && !intent.ids.length) throw invalidInput('id', 'Which message?', 'send resend <id> with an id from failed, or resend all');
        const r = await this.deps.tools.message_resend({ ids: intent.ids, all: intent.all });
        if (!r.resent.length)
          return { rich: ['Nothing to resend', r.skipped.length ? ` (${r.skipped.join(', ')}: not undelivered messages)` : '', '. Send failed for the list.'] };
        return {
          rich: [
            `📤 Resending ${r.resent.length} message${r.resent.length === 1 ? '' : 's'}: ${r.resent.join(', ')}`,
            r.skipped.length ? `; skipped ${r.skipped.join(', ')}` : '',
            '.',
          ],
        };
      }
    }
  }

  private async task(sender: Sender, brief: string): Promise<Reply> {
    if (!brief) throw invalidInput('brief', 'The task is empty.', 'write what to do after task:, e.g. task: fix the flaky login test');
    const workDir = this.services.config.get('messaging.workDir');
    if (!workDir)
      throw invalidInput(
        'messaging.workDir',
        'No folder is set for tasks from chat.',
        'set messaging.workDir in config.json (or AEGIS_MESSAGING_WORKDIR) to the project folder',
      );
    // `task: worktree: <brief>` asks for the session's own git worktree and branch.
    const inWorktree = /^worktree:\s*/i.exec(brief);
    const prompt = inWorktree ? brief.slice(inWorktree[0].length) : brief;
    if (!prompt) throw invalidInput('brief', 'The task is empty.', 'write what to do after task: worktree:');
    const s = await this.deps.tools.session_create({
      workDir,
      prompt,
      agent: this.services.config.get('messaging.agent'),
      ...(inWorktree ? { worktree: true } : {}),
    });
    this.setCurrent(sender, s.id);
    this.deps.journal.add('event', `Task ${s.name}: ${clip(brief, 160)}`, `${sender.channel}:${sender.id}`);
    return {
      rich: [
        '🚀 Started ',
        { b: s.name },
        ' (',
        { code: shortId(s.id) },
        ')',
        ...(s.worktree ? [' on branch ', { code: s.worktree.branch }] : []),
        '.\nI will tell you when it needs you or finishes. Follow up with c: <text>.',
      ],
    };
  }

  private async sessions(sender: Sender): Promise<Reply> {
    const r = await this.deps.tools.session_list({ limit: 10 });
    if (!r.sessions.length) return { rich: ['No sessions yet. Start one with task: <brief>.'] };
    const current = this.deps.contexts.get(sender.channel, sender.id).currentSession;
    const lines: Rich = r.sessions.flatMap((s) => [
      `\n${s.id === current ? '▸' : '•'} `,
      { code: shortId(s.id) },
      ' ',
      { b: s.name },
      ` ${s.state}, ${ago(Date.parse(s.lastActivity))}`,
    ]);
    return { rich: [{ b: 'Sessions' }, ` (${r.sessions.length} of ${r.total})`, ...lines, '\nPick one with session <id>.'] };
  }

  private async session(sender: Sender, ref: string): Promise<Reply> {
    const s = await this.deps.tools.session_get({ id: ref });
    this.setCurrent(sender, s.id);
    const rich: Rich = [{ b: s.name }, ' ', { code: shortId(s.id) }, ` — ${s.state} for ${ago(Date.parse(s.stateSince))}`, '\nIn ', { code: s.workDir }];
    const record = this.services.sessions.get(s.id);
    const open = record && openDialog(record);
    if (open && s.dialog) {
      const code = this.deps.codes.forDialog(open).code;
      rich.push('\nWaiting: ', ...dialogLine(s.dialog), '\nReply approve ', { b: code }, ' or reject ', { b: code });
    }
    if (s.lastAssistantMessage) rich.push('\nLast reply: ', clip(s.lastAssistantMessage, 400));
    rich.push('\n(now your current session)');
    return { rich };
  }

  /** The dead-letter list, newest first, with each one's reason. */
  private async failed(): Promise<Reply> {
    const r = await this.deps.tools.message_list({ failed: true, limit: 10 });
    if (!r.messages.length) return { rich: ['Every message was delivered.'] };
    const lines: Rich = r.messages.flatMap((m) => [
      '\n• ',
      { code: String(m.id) },
      ` to ${m.channel}:${m.peer} ${ago(Date.parse(m.updatedAt))}: `,
      clip(m.text.replace(/\s+/g, ' '), 80),
      m.error ? ` — ${clip(m.error, 120)}` : '',
    ]);
    return { rich: [{ b: `Not delivered (${r.messages.length} of ${r.total})` }, ...lines, '\nSend ', { b: 'resend <id>' }, ' or ', { b: 'resend all' }, '.'] };
  }

  private async recall(query: string, full: boolean): Promise<Reply> {
    if (!query) throw invalidInput('query', 'What should I look for?', 'write words after recall, e.g. recall login flaky');
    const r = await this.deps.tools.kg_search({
      query,
      detail: full ? 'full' : 'brief',
      limit: full ? 3 : 5,
    });
    if (!r.results.length) return { rich: [`Nothing in the knowledge graph matches "${clip(query, 60)}".`] };
    const lines: Rich = r.results.flatMap((x) => {
      const head: Rich = ['\n• ', { b: x.name }, ` (${x.entityType})`];
      if (full) return [...head, ...(x.observations ?? []).slice(0, 10).map((o) => `\n   – ${clip(o, 300)}`)];
      return [...head, x.bestObservation ? `: ${clip(x.bestObservation, 200)}` : ''];
    });
    return { rich: [{ b: `Recall: ${clip(query, 40)}` }, ...lines, r.hasMore ? '\n(more: refine the words)' : ''] };
  }

  private journalDay(arg?: string): Reply {
    const day = parseDay(arg);
    if (!day) throw invalidInput('date', `"${arg}" is not a date I can read.`, 'use journal, journal yesterday, or journal 2026-03-12');
    const entries = this.deps.journal.day(day);
    if (!entries.length) return { rich: [`Journal ${day}: nothing yet. Add a note with journal: <text>.`] };
    const icon = { note: '📝', event: '•', alert: '⚠️' } as const;
    return { rich: [{ b: `Journal ${day}` }, ...entries.slice(-40).flatMap((e) => [`\n${localTime(e.at)} ${icon[e.kind]} `, clip(e.text, 300)])] };
  }

  private async operator(sender: Sender, name: string, extra?: string): Promise<Reply> {
    if (extra)
      throw invalidInput(
        'arguments',
        `${name} takes no arguments from chat.`,
        `send just ${name}; its arguments are fixed in config.json (operators.${name}.argv)`,
      );
    const op = this.deps.operators().get(name)!;
    const r = await runOperator(op);
    const ok = r.exitCode === 0;
    this.deps.journal.add(ok ? 'event' : 'alert', `Ran ${name}: ${r.error ?? `exit ${r.exitCode}`}`, `${sender.channel}:${sender.id}`);
    const head: Rich = [ok ? '✅ ' : '❌ ', { b: name }, r.error ? ` failed: ${r.error}` : ` exited ${r.exitCode}`];
    return { rich: r.output ? [...head, '\n', { pre: r.output }] : head };
  }
}
