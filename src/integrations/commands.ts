import type { App } from '../app.js';
import type { Rich } from '../channels/format.js';
import { AegisError } from '../errors.js';
import type { Reply, Sender } from '../messaging/index.js';
import type { ChatCommandIntent } from './chat-match.js';
import type { ChatCommand, IntegrationContext } from './types.js';

/** An accepted chat command, with the context of its integration. */
export interface ActiveChatCommand {
  command: ChatCommand;
  file: string;
  ctx: IntegrationContext;
  /** The integration's secret setting values: never echoed in a reply. */
  secrets: string[];
}

/**
 * Whether a word already means something to the chat grammar (`status`, `y`, `c:`...). Asks the
 * parser itself, so the answer follows the grammar as it changes.
 */
export async function builtinChatWord(): Promise<(word: string) => boolean> {
  const { COMMAND_WORDS, parseCommand } = await import('../messaging/index.js');
  const free = new Set(['unknown', 'empty']);
  return (word) => COMMAND_WORDS.includes(word) || !free.has(parseCommand(word).kind) || !free.has(parseCommand(`${word}: x`).kind);
}

/** Runs an integration's chat command for a sender; a throw becomes the router's error reply. */
export async function runChatCommand(app: App, sender: Sender, intent: ChatCommandIntent): Promise<Reply> {
  const active = (await app.integrations.load()).commands.find((c) => c.command.name === intent.name);
  if (!active) throw new AegisError('internal', `chat command ${intent.name} is not loaded`);
  const { command, ctx, secrets } = active;
  if (intent.usage) return { rich: ['Usage: ', command.help] };
  const { loadTools } = await import('../tools/registry.js');
  const { callTool } = await import('../tools/run.js');
  const reply = await command.handler({
    ...ctx,
    text: intent.text,
    args: intent.args,
    match: intent.match,
    sender: { channel: sender.channel, id: sender.id },
    async callTool(name, input = {}) {
      const tool = (await loadTools(app)).find((t) => t.name === name);
      if (!tool) throw new AegisError('not_found', `no tool named ${name}`, { field: 'name', fix: `check the name in ${active.file}; \`ag --help\` lists the tools` });
      return callTool(app, tool, input, { caller: 'chat' });
    },
  });
  const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
  return { rich: [secrets.reduce((t, secret) => t.split(secret).join('****'), text)] };
}

/** The integrations' lines for the chat `help` reply. */
export async function chatCommandHelp(app: App): Promise<Rich> {
  const { commands } = await app.integrations.load();
  return commands.length ? ['\n', { b: 'From integrations' }, ...commands.map((c) => `\n${c.command.help}`)] : [];
}
