import { distance } from 'fastest-levenshtein';
import { CODE_PATTERN } from '../approvals/codes.js';
import { matchChatCommand, type ChatCommandIntent, type ChatCommandSpec } from '../../integrations/index.js';

/** What a chat message asks for. One grammar for every channel. */
export type Intent =
  | { kind: 'task'; brief: string }
  | { kind: 'continue'; text: string }
  | { kind: 'sessions' }
  | { kind: 'session'; ref: string }
  | { kind: 'stop'; ref?: string }
  | { kind: 'input'; text: string }
  | { kind: 'pending' }
  | { kind: 'approve'; code?: string; scope?: 'once' | 'always' }
  | { kind: 'reason'; code?: string }
  | { kind: 'reject'; code?: string; reason?: string }
  | { kind: 'answer'; code: string; choice: string }
  | { kind: 'recall'; query: string; full: boolean }
  | { kind: 'status' }
  | { kind: 'tasks' }
  | { kind: 'journal'; day?: string }
  | { kind: 'note'; text: string }
  | { kind: 'briefing'; which: 'morning' | 'evening' }
  | { kind: 'failed' }
  | { kind: 'resend'; ids: number[]; all: boolean }
  | { kind: 'help' }
  | { kind: 'operator'; name: string; extra?: string }
  | { kind: 'unknown'; word: string; suggestions: string[] }
  | { kind: 'empty' }
  | ChatCommandIntent;

export type IntentKind = Intent['kind'];

export interface ParseOptions {
  /** Names of the operator commands defined in config. */
  operators?: string[];
  /** Chat commands added by integrations, tried after the built-ins and the operators. */
  commands?: readonly ChatCommandSpec[];
  /** Whether a word is a code of an open dialog (so "reject add tests" keeps "add" as the reason when it is no code). */
  isCode?: (word: string) => boolean;
}

/** Command words offered in "did you mean" (aliases like `s` or `y` are too short to suggest). */
export const COMMAND_WORDS = [
  'task',
  'continue',
  'sessions',
  'session',
  'stop',
  'input',
  'pending',
  'awaiting',
  'waiting',
  'approve',
  'reject',
  'answer',
  'recall',
  'status',
  'tasks',
  'journal',
  'morning',
  'evening',
  'failed',
  'resend',
  'reason',
  'help',
];

/**
 * A code or keyword as typed on a phone: case and the punctuation autocorrect adds after it ("Approve
 * 3f2." after a double space) do not count. Codes are letters and digits, so nothing real is lost.
 */
const typed = (word: string | undefined): string | undefined => word?.toLowerCase().replace(/[.,!?;:]+$/, '');

/** What asks `approve` for the "Yes" that remembers it (for the session / don't ask again). */
const ALWAYS_WORDS = ['always', 'session'];

/** Commands that take free text after a colon: `task: fix the flaky login test`. */
const TEXT_COMMANDS: Record<string, 'task' | 'continue' | 'input' | 'note'> = {
  task: 'task',
  c: 'continue',
  continue: 'continue',
  input: 'input',
  journal: 'note',
};

/** Letters two words share, counted with repeats ("satus" and "tasks" share s, s, a, t). */
function sharedLetters(a: string, b: string): number {
  const pool = [...b];
  let n = 0;
  for (const ch of a) {
    const i = pool.indexOf(ch);
    if (i >= 0) (pool.splice(i, 1), n++);
  }
  return n;
}

/**
 * "Did you mean": the closest command words by Levenshtein distance, best first, at most two. Equal
 * distances are ordered by letters in common, so a jumbled word ("satus") finds the word made of the
 * same letters ("tasks") before one that merely has the same length ("stop").
 */
export function suggest(word: string, words: readonly string[]): string[] {
  const w = word.toLowerCase();
  const limit = Math.max(2, Math.ceil(w.length * 0.6));
  return [...new Set(words)]
    .map((c) => ({ c, d: distance(w, c), shared: sharedLetters(w, c) }))
    .filter((x) => x.d <= limit)
    .sort((a, b) => a.d - b.d || b.shared - a.shared || a.c.localeCompare(b.c))
    .slice(0, 2)
    .map((x) => x.c);
}

/**
 * Parses one chat message. Telegram's slash form works too (`/status`, `/task fix it`,
 * `/status@my_bot`). Text after `task:`, `c:`, `input:` and `journal:` is kept verbatim, new lines
 * included.
 */
export function parseCommand(raw: string, opts: ParseOptions = {}): Intent {
  const isCode = opts.isCode ?? ((w: string) => CODE_PATTERN.test(w));
  const text = raw.trim();
  if (!text) return { kind: 'empty' };
  const slashed = text.startsWith('/');
  const body = slashed ? text.slice(1).replace(/^([A-Za-z_]+)@\w+/, '$1') : text;

  const colon = /^([A-Za-z]+)\s*:\s*([\s\S]*)$/.exec(body);
  if (colon && TEXT_COMMANDS[colon[1]!.toLowerCase()]) return textCommand(TEXT_COMMANDS[colon[1]!.toLowerCase()]!, colon[2]!.trim());

  const [first = '', ...restWords] = body.split(/\s+/);
  const word = first.toLowerCase();
  const rest = body.slice(first.length).trim();
  const args = restWords.filter(Boolean);

  // `/task fix it` (Telegram) and `task fix it` both start a task; so `/c more` continues.
  if (rest && (word === 'task' || (slashed && ['c', 'continue', 'input'].includes(word)))) return textCommand(TEXT_COMMANDS[word]!, rest);

  switch (word) {
    case 'sessions':
      return { kind: 'sessions' };
    case 'session':
      return rest ? { kind: 'session', ref: args[0]! } : { kind: 'sessions' };
    case 'stop':
      // `stop`, `stop session`, `stop session <id>`, `stop <id>`
      return { kind: 'stop', ref: args[0]?.toLowerCase() === 'session' ? args[1] : args[0] };
    case 'pending':
    case 'awaiting':
    case 'waiting':
      return { kind: 'pending' };
    case 'approve':
    case 'yes':
    case 'y':
    case 'ok':
      // Whatever follows is meant as a code: a mistyped one must fail, never approve another prompt.
      // `approve 3f2 always` (or `session`) picks the "Yes" that remembers it, where the dialog offers one.
      if (args.length > 1 && !ALWAYS_WORDS.includes(typed(args[1])!))
        return { kind: 'unknown', word: `approve ${args[1]}`, suggestions: ['approve <code> always'] };
      return {
        kind: 'approve',
        code: ALWAYS_WORDS.includes(typed(args[0]) ?? '') ? undefined : typed(args[0]),
        scope: args.some((a) => ALWAYS_WORDS.includes(typed(a)!)) ? 'always' : undefined,
      };
    case 'reason':
    case 'why':
      return { kind: 'reason', code: typed(args[0]) };
    case 'reject':
    case 'no':
    case 'n':
    case 'deny': {
      const code = args[0] && isCode(typed(args[0])!) ? typed(args[0]) : undefined;
      const reason = (code ? rest.slice(args[0]!.length) : rest).trim();
      return { kind: 'reject', code, reason: reason || undefined };
    }
    case 'answer':
      if (args.length >= 2) {
        const choice = rest.slice(args[0]!.length).trim();
        // "2." is option 2 (and "1,3." options 1 and 3), not the free text "2.".
        return { kind: 'answer', code: typed(args[0])!, choice: /^\d+(\s*,\s*\d+)*[.!]$/.test(choice) ? choice.slice(0, -1) : choice };
      }
      return { kind: 'unknown', word: 'answer', suggestions: [] };
    case 'recall': {
      const full = args[0]?.toLowerCase() === 'full';
      const query = (full ? rest.slice(args[0]!.length) : rest).trim();
      return { kind: 'recall', query, full };
    }
    case 'status':
    case 's':
    case 'health':
      return { kind: 'status' };
    case 'tasks':
      return { kind: 'tasks' };
    case 'journal':
      return { kind: 'journal', day: args[0] };
    case 'morning':
    case 'evening':
      return { kind: 'briefing', which: word };
    case 'failed':
    case 'undelivered':
      return { kind: 'failed' };
    case 'resend':
      return { kind: 'resend', all: args[0]?.toLowerCase() === 'all', ids: args.map(Number).filter((n) => Number.isInteger(n) && n > 0) };
    case 'help':
    case 'start':
    case '?':
      return { kind: 'help' };
  }
  const operator = opts.operators?.find((o) => o.toLowerCase() === word);
  if (operator) return { kind: 'operator', name: operator, extra: rest || undefined };
  const command = matchChatCommand(opts.commands ?? [], body);
  if (command) return command;
  return {
    kind: 'unknown',
    word: first,
    suggestions: suggest(first, [...COMMAND_WORDS, ...(opts.operators ?? []), ...(opts.commands ?? []).map((c) => c.name)]),
  };
}

function textCommand(kind: 'task' | 'continue' | 'input' | 'note', text: string): Intent {
  switch (kind) {
    case 'task':
      return { kind: 'task', brief: text };
    case 'continue':
      return { kind: 'continue', text };
    case 'input':
      return { kind: 'input', text };
    case 'note':
      return { kind: 'note', text };
  }
}
