import { Command, InvalidArgumentError } from 'commander';
import { describeError } from '../errors.js';
import { CliExit, EXIT, type LazyApp } from './program.js';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65_535) throw new InvalidArgumentError('a port from 0 to 65535');
  return n;
}

/**
 * `ag serve`: runs messaging until Ctrl-C or SIGTERM. Progress goes to stderr (stdout stays free for
 * whoever runs it under a supervisor); the exit code is 0 on a clean stop, 1 when it could not start.
 */
export function addServeCommand(program: Command, lazy: LazyApp): void {
  program
    .command('serve')
    .summary('run the chat side: channels, webhooks, notifications')
    .description(
      'run messaging: polling and the webhook listener for Telegram, WhatsApp, Discord, Slack and integration channels, notifications, briefings, outbound webhooks',
    )
    .option('--host <address>', 'address the webhook listener binds (default serve.host, 127.0.0.1)')
    .option('--port <n>', 'port of the webhook listener (default serve.port, 7077)', port)
    .action(async (opts: { host?: string; port?: number }) => {
      const app = lazy.get();
      const say = (line: string) => process.stderr.write(`ag serve: ${line}\n`);
      const runtime = await app.serveRuntime({
        host: opts.host,
        port: opts.port,
        onRole: (role) => say(role === 'active' ? `sending${runtime.url ? `; webhooks at ${runtime.url}` : ''}` : 'another ag serve is sending; standing by'),
      });
      try {
        await runtime.start();
      } catch (err) {
        say(describeError(err));
        await runtime.stop().catch(() => {});
        throw new CliExit(EXIT.failure);
      }
      const channels = [...app.messaging.adapters.values()].map((a) => `${a.name} (${a.describe().modes.join(', ')})`);
      say(`channels: ${channels.join('; ') || 'none configured (see ag channel list)'}`);
      for (const a of app.messaging.adapters.values()) for (const problem of a.describe().problems) say(`${a.name}: ${problem}`);
      if (runtime.role === 'standby') say('another ag serve is sending; standing by');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      say('stopping');
      await runtime.stop();
    });
}
