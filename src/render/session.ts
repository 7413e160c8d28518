/** Human renderings of session results: a dialog in one line, a conversation compactly. */
import { revealInvisible } from '../util/text.js';
import { bold, dim, onTerminal, printable, red } from './text.js';

interface DialogLike {
  kind: string;
  question: string;
  tool?: string;
  command?: string;
  file?: string;
  url?: string;
}

/**
 * `permission Bash: npm test` / `question Which database?`: what a person must decide, in one line,
 * with the characters that would make it read otherwise written out (util/text.ts revealInvisible)
 * and no control character.
 */
export function dialogLine(d: DialogLike): string {
  const what = d.command ?? d.file ?? d.url;
  return printable(revealInvisible(what ? `${d.kind} ${d.tool ? `${d.tool}: ` : ''}${what}` : `${d.kind} ${d.question}`));
}

interface TurnLike {
  id: string;
  role: string;
  at: string;
  text?: string;
  tool?: { name: string; input: Record<string, unknown> };
  result?: { content: string; isError: boolean };
  interrupted?: boolean;
}

/** Input fields that say what a tool call acts on, most telling first. */
const TOOL_SUBJECT = ['command', 'file_path', 'notebook_path', 'path', 'pattern', 'url', 'query', 'description', 'prompt'];
const RESULT_LINES = 3;
const oneLine = (s: string) => printable(s).trim();

/** `Bash echo hi > f`: the tool and what it acts on (the input as JSON when no known field says). */
export function toolLine(tool: { name: string; input: Record<string, unknown> }): string {
  const key = TOOL_SUBJECT.find((k) => typeof tool.input[k] === 'string' && tool.input[k] !== '');
  const subject = key ? String(tool.input[key]) : Object.keys(tool.input).length ? JSON.stringify(tool.input) : '';
  return oneLine(`${tool.name} ${subject}`);
}

/** What one turn says, in one line (pipes) or a few (terminal: a result's first lines). */
function turnBody(t: TurnLike, lines: number): string[] {
  if (t.tool) return [toolLine(t.tool)];
  if (t.result) {
    const all = t.result.content.split('\n').filter((l) => l.trim() !== '');
    const head = all.length ? all.slice(0, lines) : ['(no output)'];
    const more = all.length > lines ? [dim(`… +${all.length - lines} lines`)] : [];
    const body = [...head, ...more];
    return t.result.isError ? [`${red('error:')} ${body[0]}`, ...body.slice(1)] : body;
  }
  return `${t.text ?? ''}${t.interrupted ? ' [interrupted]' : ''}`.split('\n');
}

const ROLE_LABEL: Record<string, string> = { tool_call: 'tool', tool_result: 'result' };

/**
 * A conversation page. Terminal: `HH:MM:SS role  text`, tool calls as the tool and its command or file,
 * results as their first lines, errors marked. Pipe: `id<TAB>at<TAB>role<TAB>text` one turn a line.
 */
export function renderTurns(turns: TurnLike[], footer: string): string {
  if (!onTerminal()) {
    return turns.map((t) => [t.id, t.at, t.role, oneLine(turnBody(t, Number.MAX_SAFE_INTEGER).join(' '))].join('\t')).join('\n');
  }
  if (!turns.length) return '(no turns)';
  const out: string[] = [];
  for (const t of turns) {
    const time = dim(t.at.slice(11, 19));
    const label = (ROLE_LABEL[t.role] ?? t.role).padEnd(9);
    const [first, ...rest] = turnBody(t, RESULT_LINES);
    const isError = t.result?.isError || t.role === 'error';
    out.push(`${time} ${isError ? red(label) : t.role === 'user' ? bold(label) : label} ${first}`);
    for (const line of rest) out.push(`${' '.repeat(19)}${line}`);
  }
  return `${out.join('\n')}\n${dim(footer)}`;
}
