import type { Command } from 'commander';
import { localDay, localTime } from '../messaging/index.js';
import { bold, onTerminal, printable } from '../render/text.js';
import { failCli, type LazyApp } from './program.js';

/**
 * `ag trust list` and `ag trust forget <folder>`: the work folders Aegis remembers as trusted (a Codex
 * or Gemini trust dialog approved through it), for a person at a terminal. Not MCP tools: trust is
 * decided where the folder can be looked at (chat gives no code for it either), and an agent has no
 * business managing the list that decides which repositories' own config may run.
 */
export function addTrustCommands(program: Command, lazy: LazyApp): void {
  const trust = program
    .command('trust')
    .summary('work folders remembered as trusted: list, forget')
    .description(
      "Work folders you trusted in a Codex or Gemini CLI trust dialog (ag approve): later sessions there start trusted, so the folder's own agent config (MCP servers, hooks) runs. Forget one and the next session there asks again.",
    );

  trust
    .command('list')
    .summary('list the folders remembered as trusted')
    .description('list the work folders remembered as trusted, with when (piped: folder<TAB>time, one a line)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { json?: boolean }) => {
      try {
        const app = lazy.get();
        const { listTrustedFolders } = await import('../sessions/index.js');
        const folders = listTrustedFolders(app.db);
        const everyFolder = app.config.get('agents.trustWorkFolders');
        if (opts.json) {
          out(JSON.stringify({ folders: folders.map((f) => ({ path: f.path, trustedAt: new Date(f.trustedAt).toISOString() })), everyFolder }, null, 2));
        } else if (!onTerminal()) {
          // Whole paths, one a line: `ag trust list | cut -f1` gives what `ag trust forget` takes.
          for (const f of folders) out(`${printable(f.path)}\t${new Date(f.trustedAt).toISOString()}`);
        } else {
          if (folders.length) {
            out(bold('TRUSTED SINCE     FOLDER'));
            for (const f of folders) out(`${localDay(f.trustedAt)} ${localTime(f.trustedAt)}  ${printable(f.path)}`);
          } else out('No folder is remembered as trusted.');
          out(`\n${everyFolderNote(everyFolder) ?? 'ag trust forget <folder> makes the next session there ask again.'}`);
        }
      } catch (err) {
        failCli(err);
      }
    });

  trust
    .command('forget')
    .summary('forget a trusted folder: the next session there asks again')
    .description(
      "forget a folder remembered as trusted: the next Codex or Gemini session there shows the agent's trust dialog again. Sessions running there now keep what they loaded.",
    )
    .argument('<folder>', 'the folder as ag trust list shows it (an absolute path)')
    .option('--json', 'print the result as JSON')
    .action(async (folder: string, opts: { json?: boolean }) => {
      try {
        const app = lazy.get();
        const { forgetTrustedFolder } = await import('../sessions/index.js');
        const forgotten = forgetTrustedFolder(app.db, folder);
        const everyFolder = app.config.get('agents.trustWorkFolders');
        if (opts.json) return out(JSON.stringify({ forgotten, everyFolder }, null, 2));
        // With every folder trusted by config, the next session would not ask: say that instead.
        const next = everyFolderNote(everyFolder) ?? 'The next Codex or Gemini session there asks again; sessions running there now keep what they loaded.';
        out(`Forgot ${printable(forgotten)}. ${next}`);
      } catch (err) {
        failCli(err);
      }
    });
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/** With agents.trustWorkFolders on, the list decides nothing: every work folder starts trusted. */
const everyFolderNote = (on: boolean): string | undefined =>
  on ? 'agents.trustWorkFolders is on: every work folder starts trusted whatever this list holds (turn it off to be asked).' : undefined;
