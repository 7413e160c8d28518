import { readPaste } from '../paste-placeholder.js';
import { findLastRow, trimmedScreen } from '../screen-lines.js';
import { FOLDER_TRUST, type Dialog, type DialogOption, type ScreenReading } from '../types.js';
import { CODEX_0_171_0, type CodexScreenRules } from './screen-rules.js';

/**
 * Reads a Codex CLI screen: a dialog (folder trust, command or edit approval, the Ctrl-C menu) first, then
 * working (the `esc to interrupt` status), then idle once the ready footer is drawn, else starting.
 * The composer is the `›` line above the footer; its placeholder counts as empty.
 */
export function detectCodexScreen(lines: string[], rules: CodexScreenRules = CODEX_0_171_0): ScreenReading {
  const screen = trimmedScreen(lines);

  const dialog = readDialog(screen, rules);
  if (dialog) return { state: 'permission_prompt', dialog, inputText: '', queued: [], turnFinished: false };

  const footer = findLastRow(screen, (l) => rules.readyFooter.test(l));
  const isComposer = (l: string) => rules.composer.test(l) || rules.shellComposer.test(l);
  const composerAt = findLastRow(screen, (l, i) => isComposer(l) && (footer < 0 || i < footer));
  const shell = composerAt >= 0 && rules.shellComposer.test(screen[composerAt]!);
  const inputText = composerAt >= 0 ? composerText(screen, composerAt, footer >= 0 ? footer : screen.length, rules) : '';
  const conversation = screen.slice(0, composerAt >= 0 ? composerAt : screen.length);
  const working = conversation.some((l) => rules.working.test(l));
  const lastLine = findLastRow(conversation, (l) => l.trim() !== '');
  const tail = lastLine >= 0 ? conversation[lastLine]! : '';
  const turnFinished = rules.turnDone.test(tail);
  const interrupted = rules.interrupted.test(tail);
  const errorAt = findLastRow(conversation, (l) => rules.errorLine.test(l) && !rules.interrupted.test(l));
  const promptAt = findLastRow(conversation, (l) => rules.composer.test(l));
  const error = errorAt > promptAt ? rules.errorLine.exec(conversation[errorAt]!)![1] : undefined;
  const base = {
    inputText,
    ...(shell ? { inputMode: 'shell' as const } : {}),
    inputPaste: readPaste(inputText, rules.pastePlaceholder),
    queued: [] as string[],
    turnFinished,
    interrupted,
    lastAssistantText: lastAssistant(conversation, promptAt, rules),
    error,
  };

  if (working) return { ...base, state: 'working' };
  if (footer < 0 || screen.some((l) => rules.waitingForStartup.test(l))) return { ...base, state: composerAt >= 0 ? 'starting' : null };
  return { ...base, state: 'idle' };
}

/** The composer's text: the `›` line and its indented continuation lines up to the footer. */
function composerText(screen: string[], at: number, footer: number, rules: CodexScreenRules): string {
  const first = (rules.composer.exec(screen[at]!) ?? rules.shellComposer.exec(screen[at]!))?.[1] ?? '';
  if (rules.placeholder.test(first.trim())) return '';
  const rest: string[] = [];
  for (let i = at + 1; i < footer; i++) {
    const l = screen[i]!;
    // A blank line of the prompt is drawn empty (rows are read trimmed); trailing ones are dropped below.
    if (l !== '' && (!l.startsWith('  ') || /^\s{2}(\?|←) /.test(l))) break;
    rest.push(l.slice(2));
  }
  while (rest.length && !rest[rest.length - 1]!.trim()) rest.pop();
  return [first, ...rest].join('\n').trimEnd();
}

/** The last assistant message after the last prompt: the `• ` text lines that are not tool lines. */
function lastAssistant(conversation: string[], promptAt: number, rules: CodexScreenRules): string | undefined {
  for (let i = conversation.length - 1; i > promptAt; i--) {
    const l = conversation[i]!;
    if (!rules.assistantLine.test(l) || rules.toolLine.test(l)) continue;
    const out = [rules.assistantLine.exec(l)![1]!];
    for (
      let j = i + 1;
      j < conversation.length && /^\s{2}\S/.test(conversation[j]!) && !rules.turnDone.test(conversation[j]!) && !/^\s{2}└/.test(conversation[j]!);
      j++
    )
      out.push(conversation[j]!.slice(2));
    return out.join('\n');
  }
  return undefined;
}

function readDialog(screen: string[], rules: CodexScreenRules): Dialog | undefined {
  const commandAt = findLastRow(screen, (l) => rules.commandApproval.test(l));
  const patchAt = findLastRow(screen, (l) => rules.patchApproval.test(l));
  const menuAt = findLastRow(screen, (l) => rules.runningMenu.test(l));
  // The trust question counts under its own heading only: a model's reply may say the same words.
  const trustQuestionAt = findLastRow(screen, (l) => rules.trustQuestion.test(l));
  const trustHeadingAt = findLastRow(screen.slice(0, Math.max(trustQuestionAt, 0)), (l) => rules.trustHeading.test(l));
  const trustAt = trustHeadingAt >= 0 ? trustQuestionAt : -1;
  const at = Math.max(commandAt, patchAt, menuAt, trustAt);
  if (at < 0) return undefined;
  const body = screen.slice(at);
  const options: DialogOption[] = [];
  for (const l of body.slice(1)) {
    const m = rules.option.exec(l);
    if (!m) continue;
    const label = m[4] ? `${m[3]} (${m[4]})` : m[3]!.replace(/\s{2,}.*$/, '');
    options.push({ number: Number(m[2]), label, selected: !!m[1] });
  }
  // Options are the dialog's last lines: without them the dialog is still drawing (or gone).
  if (!options.length) return undefined;
  if (at === menuAt) return { kind: 'question', title: 'Task is still running', question: screen[at]!.trim(), options };
  if (at === trustAt) {
    const folder = screen[trustHeadingAt + 1]?.trim();
    return { kind: 'setup', title: FOLDER_TRUST, question: rules.trustQuestion.exec(screen[at]!)![1]!, options, ...(folder ? { file: folder } : {}) };
  }
  if (at === patchAt) {
    // One `Destination:` line per file the patch writes: every one is named, not only the first (a
    // phone once approved "first.md" for a patch that also wrote second.md).
    const files = body.map((l) => rules.destination.exec(l)?.[1]).filter((f) => f !== undefined);
    return {
      kind: 'permission',
      title: 'Edit files',
      question: screen[at]!.trim(),
      options,
      tool: 'apply_patch',
      file: files.length ? files.join(', ') : undefined,
    };
  }
  return { kind: 'permission', title: 'Run command', question: screen[at]!.trim(), options, tool: 'exec_command', command: wrappedCommand(body, rules) };
}

/**
 * The command a dialog shows: its `$ ` line and the lines it wraps onto (indented, up to a blank line).
 * Codex wraps at spaces, so the parts are joined with one: a phone once showed only the first line,
 * and the end of a long command (`> file`, `&& rm …`) was approved unseen.
 */
function wrappedCommand(body: string[], rules: CodexScreenRules): string | undefined {
  const at = body.findIndex((l) => rules.command.test(l));
  if (at < 0) return undefined;
  const parts = [rules.command.exec(body[at]!)![1]!];
  for (const l of body.slice(at + 1)) {
    if (!/^\s{2}\S/u.test(l) || rules.option.test(l)) break;
    parts.push(l.trim());
  }
  return parts.join(' ');
}
