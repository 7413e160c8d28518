/**
 * Claude Code's dialogs read from a rendered screen: the numbered options at the bottom, the box
 * above them, and what kind of dialog it is (setup, plan, question, permission with its tool and
 * target). Used by detectClaudeScreen (detect.ts) when the screen shows no input box.
 */
import type { Dialog, DialogOption } from '../types.js';
import type { ClaudeScreenRules, PermissionDialogRule } from './screen-rules.js';

export interface FoundDialog {
  /** First row of the dialog (its top rule); the conversation ends above it. */
  top: number;
  dialog: Dialog;
}

export function findDialog(screen: string[], rules: ClaudeScreenRules): FoundDialog | undefined {
  const d = rules.dialog;
  const block = findOptions(screen, rules);
  if (!block) return undefined;

  // Walk up to the dialog's top rule. A plan dialog has a second rule above its question, so keep
  // the topmost one, stopping at the conversation.
  let top = -1;
  let conversationEnd = 0;
  for (let i = block.first - 1; i >= 0; i--) {
    const row = screen[i]!;
    if (rules.layout.rule.test(row)) top = i;
    else if (d.conversationLine.test(row)) {
      conversationEnd = i + 1;
      break;
    }
  }
  const after = screen.slice(block.last + 1);
  // Without its top rule (scrolled away) only the key hints tell a dialog from a numbered list.
  if (top < 0 && !after.some((l) => d.hints.some((h) => h.test(l)))) return undefined;

  const dialogTop = top < 0 ? conversationEnd : top;
  const start = top < 0 ? conversationEnd : top + 1;
  const isRule = (row: string) => rules.layout.rule.test(row) || rules.layout.innerRule.test(row);
  const inside = screen.slice(start, block.first);
  const texts = inside.map((r, i) => ({ row: start + i, text: r.trim() })).filter((r) => r.text !== '' && !isRule(screen[r.row]!));
  const heading = top < 0 ? undefined : texts[0];
  const whole = screen.slice(start).join('\n');

  const setup = d.setup.find((s) => s.match.test(whole));
  const question = (setup?.question?.exec(whole)?.[1] ?? texts[texts.length - 1]?.text) || '';
  const body = texts.filter((t) => t !== heading && t.text !== question);
  const options = block.options;
  const base = { question, options, ...(heading ? { title: heading.text } : {}) };
  if (setup) {
    const path = setup.pathUnderTitle ? body[0]?.text : undefined;
    return { top: dialogTop, dialog: { kind: 'setup', ...base, ...(path ? { file: path } : {}) } };
  }
  const plan = heading ? d.plan.find((p) => p.title.test(heading.text)) : undefined;
  if (plan || d.planQuestion.test(question)) {
    return { top: dialogTop, dialog: { kind: 'plan', ...base, tool: plan?.tool ?? 'ExitPlanMode' } };
  }
  const header = heading ? d.questionTitle.exec(heading.text) : null;
  const marked = [...options.map((o) => o.label), ...after].some((l) => d.questionMarkers.some((m) => m.test(l.trim())));
  if (header || marked) {
    return { top: dialogTop, dialog: { kind: 'question', ...base, ...(header ? { title: header[1]! } : {}), tool: d.questionTool } };
  }
  const permission = heading ? d.permissions.find((p) => p.title.test(heading.text)) : undefined;
  // Rows between the heading and the question, inner `╌` rules kept (2.1.33x boxes the command in them).
  const questionRow = texts.find((t) => t.text === question)?.row ?? block.first;
  const bodyRows = screen.slice(heading ? heading.row + 1 : start, questionRow).filter((r) => r.trim() !== '');
  const width = top < 0 ? undefined : screen[top]!.length;
  const target = permissionTarget(
    permission,
    body.map((b) => screen[b.row]!),
    bodyRows,
    question,
    rules,
    width,
  );
  return { top: dialogTop, dialog: { kind: 'permission', ...base, ...target } };
}

interface OptionBlock {
  first: number;
  last: number;
  options: DialogOption[];
}

/**
 * The numbered options closest to the bottom: the last option row (with at most a few rows of
 * descriptions and hints under it), then upwards through N-1 … 1. Numbered lists further up (a plan,
 * an earlier answer) are not reached because the walk stops at option 1.
 */
function findOptions(screen: string[], rules: ClaudeScreenRules): OptionBlock | undefined {
  const { option, maxLinesBelowOptions, maxGapBetweenOptions } = rules.dialog;
  let last = -1;
  let textRowsBelow = 0;
  for (let i = screen.length - 1; i >= 0 && textRowsBelow <= maxLinesBelowOptions; i--) {
    if (option.test(screen[i]!)) {
      last = i;
      break;
    }
    if (screen[i] !== '') textRowsBelow++;
  }
  if (last < 0) return undefined;

  const options: DialogOption[] = [];
  let expected = Number(option.exec(screen[last]!)![2]);
  let row = last;
  let gap = 0;
  for (let i = last; i >= 0 && expected >= 1 && gap <= maxGapBetweenOptions; i--) {
    const m = option.exec(screen[i]!);
    if (m && Number(m[2]) === expected) {
      options.unshift({ number: expected, label: m[3]!.trim(), selected: m[1] !== undefined });
      expected--;
      row = i;
      gap = 0;
    } else {
      gap++;
    }
  }
  if (expected !== 0 || options.length < 2) return undefined;
  return { first: row, last, options };
}

/**
 * Tool and target of a permission dialog, from its heading's rule and body rows (`body`: text rows
 * without rules; `rows`: the same with the inner `╌` rules). What the screen does not show
 * unambiguously for this version is left out and `detailsKnown: false` says so: the
 * PermissionRequest hook brings it (fuse.ts), a guess never stands in for it.
 */
function permissionTarget(
  rule: PermissionDialogRule | undefined,
  body: string[],
  rows: string[],
  question: string,
  rules: ClaudeScreenRules,
  width: number | undefined,
): Partial<Dialog> {
  const d = rules.dialog;
  const lines = dedent(body);
  const out: Partial<Dialog> = rule?.tool ? { tool: rule.tool } : {};
  switch (rule?.target) {
    case 'command': {
      const command = commandRows(body, rows, rules, width);
      if (command && command.length > 0) out.command = dedent(command).join('\n');
      else out.detailsKnown = false;
      break;
    }
    case 'file': {
      const named = d.fileQuestion.exec(question)?.[1];
      const subtitle = lines[0]?.trim();
      const call = subtitle ? d.toolCall.exec(subtitle) : null;
      // The subtitle is the path relative to the cwd, the question only its base name.
      if (named && subtitle?.endsWith(named)) out.file = subtitle;
      else if (call) out.file = call[2]!;
      else if (named) out.file = named;
      break;
    }
    case 'url': {
      const url = lines.map((l) => d.url.exec(l)?.[0]).find((u) => u !== undefined);
      if (url) out.url = url;
      break;
    }
    case 'toolCall': {
      const call = lines[0] ?? '';
      const mcp = d.mcpToolCall.exec(call);
      const plain = d.toolCall.exec(call);
      if (mcp && MCP_NAME_PART.test(mcp[1]!) && MCP_NAME_PART.test(mcp[2]!)) out.tool = `mcp__${mcp[1]}__${mcp[2]}`;
      else if (mcp) {
        // A display form (2.1.33x: `echo — Echo Tool`), not the tool's name: say what is shown.
        out.toolLabel = `${mcp[1]} — ${mcp[2]}`;
        out.detailsKnown = false;
      } else if (plain) out.tool = plain[1]!;
      else out.detailsKnown = false;
      break;
    }
    default:
      break;
  }
  return out;
}

/** What an MCP server or tool name can hold; a title or display form has spaces. */
const MCP_NAME_PART = /^[\w-]+$/u;

/**
 * The rows of a shell command dialog that hold the command, per the version's layout; undefined
 * when the layout is not there (the screen then cannot tell the command from the rows around it).
 */
function commandRows(body: string[], rows: string[], rules: ClaudeScreenRules, width: number | undefined): string[] | undefined {
  let command: string[];
  if (rules.dialog.commandLayout === 'innerRuleBox') {
    const edges = rows.flatMap((r, i) => (rules.layout.innerRule.test(r) ? [i] : []));
    if (edges.length < 2) return undefined;
    command = rows.slice(edges[0]! + 1, edges[1]);
  } else {
    // 2.1.197: the command first, its description (dim, same indent) last. Without colours a
    // description-less multi-line command loses its last line here; the hook has the exact input.
    command = body.length > 1 ? body.slice(0, -1) : body;
  }
  // A row as wide as the screen was wrapped by the terminal: its line breaks are not the command's.
  if (width !== undefined && command.some((r) => r.length >= width - 1)) return undefined;
  const gutter = rules.dialog.commandGutter;
  return gutter && command.every((r) => gutter.test(r)) ? command.map((r) => r.replace(gutter, '$1')) : command;
}

/** Removes the indent all rows share, keeping the relative indent of a multi-line command. */
function dedent(rows: string[]): string[] {
  const indent = Math.min(...rows.map((r) => r.length - r.trimStart().length));
  return rows.map((r) => r.slice(Number.isFinite(indent) ? indent : 0));
}
