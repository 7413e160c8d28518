import { profileOf } from '../../agents/registry.js';
import { FOLDER_TRUST, type Dialog } from '../../agents/types.js';
import type { Rich } from '../../channels/format.js';
import { fromMarkdown } from '../../channels/markdown.js';
import type { Button } from '../../channels/types.js';
import type { SessionRecord } from '../../sessions/index.js';
import type { Budget } from '../../usage/index.js';
import { clip } from '../../util/text.js';
import { dialogLine, optionLines, shortId } from '../present.js';
import type { NotifyEvent } from '../delivery/targets.js';

/** One notification, before it fans out to subscribers. */
export interface Notice {
  event: NotifyEvent;
  /**
   * The event's identity (session, turn or dialog, kind): the same event seen twice within the dedup
   * window goes out once. Never the text: two turns that say the same thing are two notices.
   */
  dedupKey: string;
  rich: Rich;
  buttons?: Button[][];
  /** Needs an answer (a prompt, a question): never held back by the rate limit. */
  actionable: boolean;
  /** A prompt's notice: its code, so every copy is updated once the prompt is answered. */
  promptCode?: string;
}

const MAX_OPTION_BUTTONS = 8;

/**
 * Whether the dialog has a "Yes" that remembers the approval (for the session, don't ask again), by the
 * session's own agent's keys: what `approve <code> always` will press, so the notice never offers what fails.
 */
function offersAlways(s: SessionRecord, d: Dialog): boolean {
  const keys = profileOf(s.agent).dialogKeys;
  if (!keys) return false;
  try {
    keys.approve(d, 'always');
    return true;
  } catch {
    return false;
  }
}

/** A permission or plan prompt: what tool, what command or file, and the code to answer it (also as buttons). */
export function permissionNotice(s: SessionRecord, d: Dialog, code: string): Notice {
  const always = offersAlways(s, d);
  const head: Rich = d.kind === 'plan' ? ['📋 ', { b: s.name }, ' has a plan ready: '] : ['🔐 ', { b: s.name }, ' wants to use '];
  return {
    event: 'permission',
    dedupKey: `${s.id}:prompt:${code}`,
    rich: [
      ...head,
      ...dialogLine(d),
      '\nReply ',
      { b: `approve ${code}` },
      ...(always ? [' (or ', { b: `approve ${code} always` }, ')'] : []),
      ' or ',
      { b: `reject ${code}` },
      ' [why]',
    ],
    buttons: [
      [
        { label: '✅ Approve', data: `approve ${code}` },
        { label: '❌ Reject', data: `reject ${code}` },
      ],
      [...(always ? [{ label: '✅ For the session', data: `approve ${code} always` }] : []), { label: '✍️ Reject with reason', data: `reason ${code}` }],
    ],
    actionable: true,
    promptCode: code,
  };
}

/**
 * A start-up dialog (the agent asks whether to trust its work folder, or to use an API key): said, with
 * no code. Trusting a folder lets the repository's own agent config run programs, a decision taken
 * where the folder can be looked at; a session that waits on it silently looked like one that hangs.
 */
export function setupNotice(s: SessionRecord, d: Dialog): Notice {
  return {
    event: 'permission',
    dedupKey: `${s.id}:setup:${s.stateSince}`,
    rich: [
      '⚙️ ',
      { b: s.name },
      ' waits before it starts: ',
      ...(d.title ? [{ b: d.title }, ' '] : []),
      d.question.trim(),
      ...(d.file ? [' ', { code: d.file }] : []),
      '\nAnswer it in a terminal with ',
      { code: `ag approve ${shortId(s.id)}` },
      ' (',
      { code: `ag pane ${shortId(s.id)}` },
      ' shows it first), or end it with ',
      { b: `stop session ${shortId(s.id)}` },
      '.',
      // Trust outlives the session (sessions/trusted-folders.ts): whoever approves should know how to take it back.
      ...(d.title === FOLDER_TRUST
        ? [
            '\nApproving trusts the folder for later sessions there too; ',
            { code: `ag trust forget ${s.workDir}` },
            ' undoes it.',
            ...(profileOf(s.agent).trustAppliesLater ? [` ${profileOf(s.agent).trustAppliesLater}`] : []),
          ]
        : []),
    ],
    actionable: true,
  };
}

/** What an answer may be: an option's number, and words of one's own where the dialog takes them (session_answer types them in). */
function answerHint(d: Dialog): string {
  if (d.questions?.review) return 'submit';
  if (d.multiSelect) return '<numbers, e.g. 1,3>';
  if (!d.options.length) return '<your answer>';
  return d.freeText ? '<number, or your own answer>' : '<number>';
}

/** Which of several questions this is, and whether several options may be chosen. */
function questionNote(d: Dialog): string {
  const q = d.questions;
  const of = q ? (q.review ? `\n(all ${q.count} answers, sent only on submit)` : `\n(one of ${q.count} questions, ${q.answered} answered)`) : '';
  return `${of}${d.multiSelect ? '\n(several may be chosen)' : ''}`;
}

/** A question picker: the question, its options, and a button per option. */
export function pickerNotice(s: SessionRecord, d: Dialog, code: string): Notice {
  const options = d.options.slice(0, MAX_OPTION_BUTTONS);
  return {
    event: 'question',
    dedupKey: `${s.id}:prompt:${code}`,
    rich: ['❓ ', { b: s.name }, ' asks: ', d.question.trim(), questionNote(d), ...optionLines(d), '\nReply ', { b: `answer ${code} ${answerHint(d)}` }],
    buttons: d.questions?.review
      ? [[{ label: '✅ Submit', data: `answer ${code} submit` }]]
      : options.map((o) => [{ label: clip(`${o.number}. ${o.label}`, 60), data: `answer ${code} ${o.number}` }]),
    actionable: true,
    promptCode: code,
  };
}

/**
 * A finished turn: the assistant's reply text itself (not the screen), whole, its Markdown read so
 * each channel shows it formatted; the outbox cuts it into messages. A reply that ends in a question asks for `input:`.
 */
export function turnNotice(s: SessionRecord, message: string | undefined, asking: boolean, turnAt: number): Notice {
  const text = message?.trim() || '(no text)';
  const head: Rich = asking ? ['❓ ', { b: s.name }, ' asks:\n'] : ['✅ ', { b: s.name }, ' finished:\n'];
  const tail: Rich = asking ? ['\n\nReply ', { b: 'input: <answer>' }] : ['\n\nFollow up with ', { b: 'c: <text>' }];
  return { event: asking ? 'question' : 'finished', dedupKey: `${s.id}:turn:${turnAt}`, rich: [...head, ...fromMarkdown(text), ...tail], actionable: asking };
}

/** How to look at a session, or end it, from the chat. */
const lookOrStop = (s: SessionRecord): Rich => ['\nLook with ', { b: `session ${shortId(s.id)}` }, ' or end it with ', { b: 'stop session' }, '.'];

export function stalledNotice(s: SessionRecord, stallSeconds: number): Notice {
  return {
    event: 'stalled',
    dedupKey: `${s.id}:stalled:${s.stateSince}`,
    rich: ['⏳ ', { b: s.name }, ` (${shortId(s.id)}) has shown no progress for ${Math.round(stallSeconds / 60)} min.`, ...lookOrStop(s)],
    actionable: false,
  };
}

export function deadNotice(s: SessionRecord): Notice {
  return {
    event: 'dead',
    dedupKey: `${s.id}:dead`,
    rich: ['💀 ', { b: s.name }, ` (${shortId(s.id)}) is gone: its pane or process ended unexpectedly.`, s.error ? ` ${clip(s.error, 200)}` : ''],
    actionable: false,
  };
}

/** How a budget reads in a notice: its dollars, its tokens, or both. */
function budgetLine(b: Budget): string {
  return [b.usd !== undefined ? `$${b.usd.toFixed(2)}` : '', b.tokens !== undefined ? `${b.tokens.toLocaleString('en-US')} tokens` : '']
    .filter(Boolean)
    .join(' / ');
}

/** A pipeline's budget crossed a level: 80 % (a heads-up) or 100 % (its running stages were interrupted). */
export function pipelineBudgetNotice(p: { id: string; name: string }, budget: Budget, level: number): Notice {
  const used = level >= 100;
  return {
    event: 'budget',
    dedupKey: `pipeline:${p.id}:budget:${level}`,
    rich: [
      used ? '⛔ Pipeline ' : '💸 Pipeline ',
      { b: p.name },
      used
        ? ` used up its budget (${budgetLine(budget)}): its running stages were interrupted.`
        : ` has used ${level} % of its budget (${budgetLine(budget)}).`,
    ],
    actionable: false,
  };
}

/** A session's budget crossed a level: 80 % (a heads-up) or 100 % (its turn was interrupted). */
export function budgetNotice(s: SessionRecord, budget: Budget, level: number): Notice {
  const used = level >= 100;
  return {
    event: 'budget',
    dedupKey: `${s.id}:budget:${level}`,
    rich: [
      used ? '⛔ ' : '💸 ',
      { b: s.name },
      used ? ` used up its budget (${budgetLine(budget)}): its turn was interrupted.` : ` has used ${level} % of its budget (${budgetLine(budget)}).`,
      ...lookOrStop(s),
    ],
    actionable: false,
  };
}

export function pipelineNotice(p: { id: string; name: string; status: string; error?: string; done: number; total: number }): Notice {
  const ok = p.status === 'done';
  return {
    event: 'pipeline',
    dedupKey: `pipeline:${p.id}:${p.status}`,
    rich: [
      ok ? '🏁 Pipeline ' : '❌ Pipeline ',
      { b: p.name },
      ok ? ` done (${p.done}/${p.total} stages).` : ` ${p.status} after ${p.done}/${p.total} stages${p.error ? `: ${clip(p.error, 300)}` : '.'}`,
    ],
    actionable: false,
  };
}
