/**
 * Files a shell command visibly writes: redirection targets (`>`, `>>`, `&>`), and the file operands of
 * touch, tee, cp/mv/install (destination) and `sed -i`. A reading of the command's words, not a shell:
 * a file written by a script the command runs is not seen, and nothing here is ever executed.
 */

/** Splits a command into words and operators, honouring '…', "…" and backslash escapes. */
function words(command: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  const flush = () => {
    if (inWord) out.push(cur);
    cur = '';
    inWord = false;
  };
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) cur += command[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      cur += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      flush();
    } else if (';|&<>()'.includes(c)) {
      // `2>` and `&>` keep their descriptor with the operator; `>&2` duplicates a descriptor, writes no file.
      const fd = /^\d$/.test(cur) && inWord && c === '>' ? cur : '';
      if (!fd) flush();
      let op = fd + c;
      cur = '';
      inWord = false;
      while (i + 1 < command.length && '|&>'.includes(command[i + 1]!) && op.length < 3) op += command[++i];
      out.push(op);
    } else {
      cur += c;
      inWord = true;
    }
  }
  flush();
  return out;
}

const isOperator = (w: string) => /^\d?[;|&<>()]+$/.test(w);
const REDIRECT = /^(\d|&)?>>?\|?$/;
const NOT_FILES = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

/** The words of each simple command (split at ; | && || and parentheses). */
function commands(ws: string[]): { args: string[]; redirects: string[] }[] {
  const out: { args: string[]; redirects: string[] }[] = [{ args: [], redirects: [] }];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i]!;
    if (REDIRECT.test(w)) {
      const target = ws[i + 1];
      if (target !== undefined && !isOperator(target)) out.at(-1)!.redirects.push(target);
      i++;
    } else if (isOperator(w)) {
      if (!/^\d?<+$/.test(w)) out.push({ args: [], redirects: [] });
      else i++; // input redirection: its file is read, not written
    } else {
      out.at(-1)!.args.push(w);
    }
  }
  return out;
}

function operands(args: string[]): string[] {
  return args.slice(1).filter((a) => !a.startsWith('-'));
}

/** Paths the command writes, in the order they appear, without duplicates or devices. */
export function filesWrittenByCommand(command: string): string[] {
  const found: string[] = [];
  for (const { args, redirects } of commands(words(command))) {
    found.push(...redirects);
    const [prog] = args;
    const ops = operands(args);
    switch (prog) {
      case 'touch':
      case 'tee':
        found.push(...ops);
        break;
      case 'cp':
      case 'mv':
      case 'install':
        if (ops.length >= 2) found.push(ops.at(-1)!);
        break;
      case 'sed':
        if (args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith('--in-place'))) found.push(...ops.slice(1));
        break;
    }
  }
  return [...new Set(found.filter((f) => f !== '' && !NOT_FILES.has(f) && !f.startsWith('&')))];
}
