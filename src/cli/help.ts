import type { Command } from 'commander';

/**
 * `ag --help` the way gh lays it out: the everyday session verbs first, then the areas (`ag <area>
 * <verb>`), then setup and servers, then the other short aliases, one line each.
 */
export const HELP_GROUPS = {
  core: 'Core commands (a session: ag <verb> <id>):',
  areas: 'Areas (ag <area> <verb>; ag <area> --help lists the verbs):',
  setup: 'Setup and servers:',
  aliases: 'Aliases:',
} as const;

const SETUP = new Set(['init', 'doctor', 'serve', 'mcp', 'prompt', 'completion', 'help']);
/** Everyday commands that are not one tool's alias. */
const CORE = new Set(['watch']);

/** Which group a top-level command is shown in; `aliasOf` is set for a tool's short alias. */
export function groupOf(cmd: Command, aliasOf: Map<Command, string>): string {
  if (SETUP.has(cmd.name())) return HELP_GROUPS.setup;
  if (CORE.has(cmd.name())) return HELP_GROUPS.core;
  const area = aliasOf.get(cmd);
  if (area === undefined) return cmd.commands.length ? HELP_GROUPS.areas : HELP_GROUPS.setup;
  return area === 'session' ? HELP_GROUPS.core : HELP_GROUPS.aliases;
}

/** Records which top-level commands are aliases of which area's tool (set by addToolCommands). */
export const ALIAS_AREA = new Map<Command, string>();

/** Puts every top-level command in its group, in group order, and lists commands by name and arguments. */
export function groupHelp(program: Command): void {
  const order: string[] = [HELP_GROUPS.core, HELP_GROUPS.areas, HELP_GROUPS.setup, HELP_GROUPS.aliases];
  for (const cmd of program.commands) cmd.helpGroup(groupOf(cmd, ALIAS_AREA));
  // Commander prints groups in the order their first command appears.
  (program.commands as Command[]).sort((a, b) => order.indexOf(a.helpGroup()) - order.indexOf(b.helpGroup()));
  program.commandsGroup(HELP_GROUPS.setup).helpCommand('help [command]', 'help for a command');
  const terse = (cmd: Command): void => {
    cmd.configureHelp({ subcommandTerm: (sub: Command) => [sub.name(), ...sub.registeredArguments.map(argTerm)].join(' ') });
    cmd.commands.forEach(terse);
  };
  terse(program);
}

const argTerm = (arg: Command['registeredArguments'][number]) => {
  const name = `${arg.name()}${arg.variadic ? '...' : ''}`;
  return arg.required ? `<${name}>` : `[${name}]`;
};

/**
 * Every command's help text by its path (`""` is `ag` itself, `"session get"` is `ag session get`), as
 * commander prints it at 80 columns. The build writes it to dist/help.json; bin/ag answers `--help`
 * from it without loading the CLI, the tools and their schemas (cold start is most of a help's cost).
 */
export function helpManifest(program: Command): Record<string, string> {
  const manifest: Record<string, string> = {};
  const walk = (cmd: Command, path: string[]): void => {
    manifest[path.join(' ')] = cmd.helpInformation();
    for (const sub of cmd.commands) walk(sub, [...path, sub.name()]);
  };
  walk(program, []);
  return manifest;
}
