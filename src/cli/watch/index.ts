import type { Command } from 'commander';
import { AegisError } from '../../errors.js';
import type { LazyApp } from '../program.js';
import { KEY_HELP } from './render.js';

/** `ag watch`: registered here, its runtime loaded only when it runs. */
export function addWatchCommand(program: Command, lazy: LazyApp): void {
  program
    .command('watch')
    .summary('Watch every session live (full screen, keys act)')
    .description(
      `a live full-screen view of every session: state and how long it has lasted, the pending dialog with its command or file, the agent's last line, queued messages, pipeline stage. It redraws on the events that drive MCP notifications.\n\nKeys: ${KEY_HELP} (Enter also opens; Ctrl-C also quits). r asks for an optional reason. o attaches this terminal to the session's tmux pane; detach (prefix d) to come back.`,
    )
    .action(async () => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new AegisError('invalid_input', 'ag watch needs a terminal: stdin and stdout are not both a TTY', {
          fix: 'run it in a terminal; in scripts use ag list (tab-separated when piped) or ag wait ID',
        });
      }
      const { runWatch } = await import('./run.js');
      await runWatch(lazy.get());
    });
}
