import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { failCli, type LazyApp } from './program.js';

/**
 * `ag integrations new <name>` next to the generated `ag integrations list` (the integrations_list
 * tool): scaffolds a working integration into $AEGIS_HOME/integrations (or --dir).
 */
export function addIntegrationsCommands(program: Command, lazy: LazyApp): void {
  const area = program.commands.find((c) => c.name() === 'integrations');
  if (!area) return;
  area
    .command('new')
    .summary('Scaffold a working integration')
    .description(
      'Create <dir>/<name>/ with a tool (<name>_hello), hooks (log every tool call; veto a call), a chat command (<name>), a setup.json and a test that drives it through `ag`. The default folder is $AEGIS_HOME/integrations, where Aegis finds it at start-up.',
    )
    .argument('<name>', 'lowercase letters and digits; prefixes its tools (<name>_<verb>)')
    .option('--dir <folder>', 'parent folder (default $AEGIS_HOME/integrations)')
    .option('--force', 'overwrite the template files of an existing folder')
    .action(async (name: string, opts: { dir?: string; force?: boolean }) => {
      try {
        const [{ scaffoldIntegration }, { builtinToolNames }, chatGrammar] = await Promise.all([
          import('../integrations/index.js'),
          import('../tools/registry.js'),
          import('../messaging/index.js'),
        ]);
        const parent = opts.dir ? resolve(opts.dir) : join(lazy.get().config.home, 'integrations');
        const { dir, files } = scaffoldIntegration(name, parent, !!opts.force, { tools: builtinToolNames(), chatGrammar });
        const out = (line = '') => process.stdout.write(`${line}\n`);
        for (const f of files) out(`created  ${f}`);
        out();
        out(`Integration ${name} is in ${dir}.`);
        if (opts.dir) out(`Aegis loads it when AEGIS_INTEGRATION_DIRS includes ${resolve(opts.dir)}.`);
        out(`Try it:   ag ${name} hello Ada`);
        out(`Test it:  cd ${dir} && npm test   (AG_BIN=<path to ag> if ag is not on PATH)`);
      } catch (err) {
        failCli(err);
      }
    });
}
