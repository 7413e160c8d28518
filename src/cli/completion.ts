/**
 * Shell completion. `ag completion bash|zsh|fish` prints a small script; the script asks
 * `ag __complete <words so far>` (hidden) for the candidates, so commands, flags, enum values and live
 * session ids/names all come from the same program the shell runs, never from a stale list.
 */
import { Argument, type Command, type Option } from 'commander';
import type { LazyApp } from './program.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

const SCRIPTS: Record<(typeof SHELLS)[number], string> = {
  bash: `# ag completion for bash: eval "$(ag completion bash)" in ~/.bashrc
_ag_complete() {
  local IFS=$'\\n'
  COMPREPLY=($(ag __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null))
}
complete -o default -F _ag_complete ag
`,
  zsh: `# ag completion for zsh: source <(ag completion zsh) in ~/.zshrc (after compinit)
_ag_complete() {
  local -a candidates
  candidates=("\${(@f)$(ag __complete "\${(@)words[2,CURRENT]}" 2>/dev/null)}")
  compadd -a candidates
}
compdef _ag_complete ag
`,
  fish: `# ag completion for fish: ag completion fish > ~/.config/fish/completions/ag.fish
function __ag_complete
    set -l words (commandline -opc) (commandline -ct)
    ag __complete $words[2..-1] 2>/dev/null
end
complete -c ag -f -a '(__ag_complete)'
`,
};

export function addCompletionCommand(program: Command): void {
  program
    .command('completion')
    .summary('print a shell completion script (bash, zsh, fish)')
    .description(
      'Print a completion script for commands, flags, enum values and live session ids.\n  bash: eval "$(ag completion bash)"   zsh: source <(ag completion zsh)   fish: ag completion fish | source',
    )
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action((shell: (typeof SHELLS)[number]) => {
      process.stdout.write(SCRIPTS[shell]);
    });
}

const visible = (cmd: Command) => cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
const longFlag = (o: Option) => o.long;

/** Session ids and names, newest first; nothing when the config or database cannot be opened. */
function sessionRefs(lazy: LazyApp): string[] {
  const app = lazy.tryGet();
  if (!app) return [];
  try {
    return app.sessions.list({ limit: 500, offset: 0 }).sessions.flatMap((s) => [s.id, s.name]);
  } catch {
    return [];
  }
}

/**
 * Candidates for the last of `words` (the word being typed, maybe empty): a subcommand, a flag of the
 * command reached, the choices of the flag before it, or a session id/name where a command takes one.
 */
export function completeWords(program: Command, lazy: LazyApp, words: string[]): string[] {
  const current = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  let cmd = program;
  const positional: string[] = [];
  for (let i = 0; i < before.length; i++) {
    const w = before[i]!;
    const sub = visible(cmd).find((c) => c.name() === w || c.aliases().includes(w));
    if (sub && positional.length === 0) {
      cmd = sub;
      continue;
    }
    const opt = cmd.options.find((o) => o.long === w || o.short === w);
    if (opt) {
      if ((opt.required || opt.optional) && !opt.variadic) i++; // its value is the next word
      continue;
    }
    if (!w.startsWith('-')) positional.push(w);
  }
  const prev = before.at(-1);
  const prevOpt = prev ? cmd.options.find((o) => o.long === prev) : undefined;
  let candidates: string[];
  if (prevOpt?.argChoices) candidates = prevOpt.argChoices;
  else if (prevOpt && (prevOpt.required || prevOpt.optional)) candidates = [];
  else if (current.startsWith('-')) candidates = [...cmd.options.map(longFlag).filter((f): f is string => !!f), '--help'];
  else if (visible(cmd).length && positional.length === 0) candidates = visible(cmd).map((c) => c.name());
  else {
    const arg = cmd.registeredArguments[positional.length];
    candidates = arg?.argChoices ?? (arg?.name() === 'id' ? sessionRefs(lazy) : []);
  }
  return [...new Set(candidates)].filter((c) => c.startsWith(current));
}
