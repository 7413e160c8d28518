/**
 * detectClaudeScreen: one rendered Claude Code screen read into a ScreenReading (state, input,
 * queued prompts, last message, errors, mode). Dialogs are read in detect-dialog.ts.
 */
import type { PermissionMode, ScreenReading } from '../types.js';
import { readPaste } from '../paste-placeholder.js';
import { DIALOG_STATE } from '../reading.js';
import { findDialog } from './detect-dialog.js';
import { CLAUDE_2_1_197, type ClaudeScreenRules } from './screen-rules.js';

/**
 * Reads one rendered Claude Code screen (rows as text, e.g. `TerminalScreen.lines()`).
 *
 * The parts are found by structure, the words come from `rules`:
 * - input box: a full-width rule, a line starting with `❯`, more input lines, another rule; the
 *   footer is the line under it. Claude Code hides box and footer while a dialog is open.
 * - dialog: no input box, numbered options near the bottom, and above them the dialog's top rule.
 * - conversation: everything above the box or dialog; the last turn starts at the last echoed prompt.
 *
 * Precedence (held on every captured screen): exited > setup dialog > permission > question >
 * working > idle. The screen cannot tell a plain-text question from idle: `lastAssistantText` and
 * `looksLikeQuestion` leave that to the caller, which also has the Stop hook's full message.
 */
export function detectClaudeScreen(lines: string[], rules: ClaudeScreenRules = CLAUDE_2_1_197): ScreenReading {
  const screen = lines.map((l) => l.replace(/\s+$/u, ''));
  while (screen.length > 0 && screen[screen.length - 1] === '') screen.pop();

  const box = findInputBox(screen, rules);
  const dialog = box ? undefined : findDialog(screen, rules);
  const conversation = screen.slice(0, box?.top ?? dialog?.top ?? screen.length);
  const above = box ? findQueued(conversation, rules) : { start: conversation.length, prompts: [] };
  const inline = findInlineQueued(conversation.slice(0, above.start), rules);
  const queued = { prompts: [...inline.prompts, ...above.prompts] };
  const history = inline.history;
  const turn = lastTurn(history, rules);
  const lastMarker = findLast(history, (l) => /^\S/u.test(l) || rules.layout.result.test(l)) ?? '';
  const activeLine = findLast(history, (l) => /^\S/u.test(l)) ?? '';
  const retrying = rules.activity.retrying.exec(activeLine);
  const footer = box ? (screen[box.bottom + 1] ?? '') : '';

  const reading: ScreenReading = {
    state: null,
    inputText: box ? inputText(screen.slice(box.top + 1, box.bottom), rules) : '',
    queued: queued.prompts,
    turnFinished: rules.activity.turnFinished.test(lastMarker),
    interrupted: rules.activity.interrupted.some((p) => p.test(lastMarker)),
  };
  const lastAssistantText = lastAssistantMessage(turn, rules);
  if (lastAssistantText) reading.lastAssistantText = lastAssistantText;
  const error = retrying?.[1] ?? lastMatch(turn, rules.errors) ?? lastMatch(turn, rules.rateLimits);
  if (error) reading.error = error;
  const mode = box ? permissionMode(footer, rules) : undefined;
  if (mode) reading.permissionMode = mode;
  const paste = readPaste(reading.inputText, rules.layout.pastePlaceholder);
  if (paste) reading.inputPaste = paste;
  if (box && rules.layout.shellInputLine.test(screen[box.top + 1]!)) reading.inputMode = 'shell';

  const below = box ? screen.slice(box.bottom + 2) : screen;
  if (below.some((l) => rules.exited.some((p) => p.test(l)))) {
    reading.state = 'exited';
  } else if (dialog) {
    reading.dialog = dialog.dialog;
    reading.state = DIALOG_STATE[dialog.dialog.kind];
  } else if (box) {
    const spinning = (rules.activity.spinner.test(activeLine) && !rules.activity.turnFinished.test(activeLine)) || retrying !== null;
    if (rules.footer.working.some((p) => p.test(footer)) || spinning) {
      if (rules.activity.compacting.test(activeLine)) reading.state = 'compacting';
      else if (rules.activity.rateLimitedRetry.test(activeLine)) reading.state = 'rate_limited';
      else reading.state = 'working';
    } else {
      reading.state = lastMatch(turn, rules.rateLimits) ? 'rate_limited' : 'idle';
    }
  } else {
    const fatal = fatalError(screen, rules);
    if (fatal) {
      reading.state = 'error';
      reading.error = fatal;
    }
  }
  return reading;
}

// ---------- input box ----------

interface InputBox {
  /** Row of the top rule. */
  top: number;
  /** Row of the bottom rule; the footer is the row under it. */
  bottom: number;
}

function findInputBox(screen: string[], rules: ClaudeScreenRules): InputBox | undefined {
  const { rule, inputLine, shellInputLine } = rules.layout;
  for (let top = screen.length - 2; top >= 0; top--) {
    if (!rule.test(screen[top]!) || !(inputLine.test(screen[top + 1]!) || shellInputLine.test(screen[top + 1]!))) continue;
    for (let bottom = top + 2; bottom < screen.length; bottom++) {
      if (rule.test(screen[bottom]!)) return { top, bottom };
    }
  }
  return undefined;
}

function inputText(rows: string[], rules: ClaudeScreenRules): string {
  const [first = '', ...rest] = rows;
  const line = rules.layout.inputLine.exec(first) ?? rules.layout.shellInputLine.exec(first);
  const text = [line?.[1] ?? '', ...rest.map((r) => rules.layout.inputContinuation.exec(r)?.[1] ?? r)].join('\n').trimEnd();
  return rules.layout.inputPlaceholders.some((p) => p.test(text)) ? '' : text;
}

/** Prompts shown as queued right above the input box (after blank rows), oldest first. */
function findQueued(conversation: string[], rules: ClaudeScreenRules): { start: number; prompts: string[] } {
  const { queuedPrompt, queuedContinuation } = rules.layout;
  let end = conversation.length;
  while (end > 0 && conversation[end - 1] === '') end--;
  let start = end;
  while (start > 0 && (queuedPrompt.test(conversation[start - 1]!) || queuedContinuation.test(conversation[start - 1]!))) start--;
  // Continuation rows are only part of the block below a queued prompt.
  while (start < end && !queuedPrompt.test(conversation[start]!)) start++;
  if (start === end) return { start: conversation.length, prompts: [] };
  const prompts: string[] = [];
  for (const row of conversation.slice(start, end)) {
    const prompt = queuedPrompt.exec(row);
    if (prompt) prompts.push(prompt[1] ?? '');
    else prompts[prompts.length - 1] += `\n${queuedContinuation.exec(row)?.[1] ?? ''}`;
  }
  return { start, prompts };
}

/**
 * Prompts echoed in the conversation with a "Queued" line under them (2.1.33x): taken out of the
 * history, so the last turn is the one running, and reported as queued.
 */
function findInlineQueued(conversation: string[], rules: ClaudeScreenRules): { history: string[]; prompts: string[] } {
  const marker = rules.layout.queuedMarker;
  if (!marker) return { history: conversation, prompts: [] };
  const history: string[] = [];
  const prompts: string[] = [];
  for (let i = 0; i < conversation.length; i++) {
    const prompt = rules.layout.userPrompt.exec(conversation[i]!);
    let end = i + 1;
    while (prompt && end < conversation.length && rules.layout.inputContinuation.test(conversation[end]!) && !marker.test(conversation[end]!)) end++;
    if (prompt && end < conversation.length && marker.test(conversation[end]!)) {
      const rest = conversation.slice(i + 1, end).map((r) => rules.layout.inputContinuation.exec(r)?.[1] ?? r);
      prompts.push([prompt[1] ?? '', ...rest].join('\n'));
      i = end;
      continue;
    }
    history.push(conversation[i]!);
  }
  return { history, prompts };
}

function permissionMode(footer: string, rules: ClaudeScreenRules): PermissionMode | undefined {
  const named = rules.footer.modes.find((m) => m.pattern.test(footer));
  if (named) return named.mode;
  return rules.footer.defaultMode.some((p) => p.test(footer)) ? 'default' : undefined;
}

// ---------- conversation ----------

/** Rows from the last echoed user prompt on (the whole history when it has scrolled away). */
function lastTurn(history: string[], rules: ClaudeScreenRules): string[] {
  for (let i = history.length - 1; i >= 0; i--) {
    if (rules.layout.userPrompt.test(history[i]!)) return history.slice(i);
  }
  return history;
}

/**
 * The text of the last assistant message of the turn: a `●` block that is not a tool call or an error.
 * A block runs on over indented rows (blank rows included, for paragraphs and lists) until a row
 * at column 0, a tool result (`⎿`), or an indented tool line after a blank row.
 */
function lastAssistantMessage(turn: string[], rules: ClaudeScreenRules): string | undefined {
  const { assistant, assistantContinuation, result, toolCall, collapsedTool } = rules.layout;
  let last: string | undefined;
  for (let i = 0; i < turn.length; i++) {
    const head = assistant.exec(turn[i]!);
    if (!head) continue;
    const text = [head[1] ?? ''];
    let j = i + 1;
    for (; j < turn.length; j++) {
      const row = turn[j]!;
      if (row === '') {
        text.push('');
        continue;
      }
      if (/^\S/u.test(row) || result.test(row)) break;
      if (turn[j - 1] === '' && collapsedTool.some((p) => p.test(row))) break;
      text.push(assistantContinuation.exec(row)?.[1] ?? row.trim());
    }
    const next = turn[j] ?? '';
    // Tool calls and error lines (an API error is drawn as a `●` block too) are not messages.
    const isTool =
      toolCall.some((p) => p.test(head[1] ?? '')) ||
      rules.errors.some((p) => p.test(turn[i]!)) ||
      (result.test(next) && !rules.activity.interrupted.some((p) => p.test(next)));
    const message = text.join('\n').trim();
    if (!isTool && message !== '') last = message;
    i = j - 1;
  }
  return last;
}

function lastMatch(rows: string[], patterns: RegExp[]): string | undefined {
  for (let i = rows.length - 1; i >= 0; i--) {
    for (const p of patterns) {
      const m = p.exec(rows[i]!);
      if (m) return m[1] ?? m[0];
    }
  }
  return undefined;
}

function fatalError(screen: string[], rules: ClaudeScreenRules): string | undefined {
  for (let i = 0; i < screen.length; i++) {
    for (const p of rules.fatalErrors) {
      const m = p.exec(screen[i]!);
      if (!m) continue;
      // The reason ("Failed to connect to api.anthropic.com: ENOTFOUND") is the next text row.
      const detail = screen
        .slice(i + 1)
        .find((l) => l.trim() !== '')
        ?.trim();
      return detail ? `${m[1]} · ${detail}` : m[1];
    }
  }
  return undefined;
}

function findLast(rows: string[], predicate: (row: string) => boolean): string | undefined {
  for (let i = rows.length - 1; i >= 0; i--) if (predicate(rows[i]!)) return rows[i];
  return undefined;
}
