import type { Rich } from '../../channels/format.js';
import { AegisError } from '../../errors.js';
import type { ChatCommandIntent } from '../../integrations/index.js';
import type { ChatTools } from './chat-tools.js';
import type { MessagingIntegrations } from '../deps.js';
import type { Reply, Sender } from './reply.js';

/** Runs an integration's chat command for a sender; a throw becomes the router's error reply. */
export async function runChatCommand(
  integrations: MessagingIntegrations,
  sender: Sender,
  intent: ChatCommandIntent,
  callByName: ChatTools['byName'],
): Promise<Reply> {
  const active = (await integrations.load()).commands.find((c) => c.command.name === intent.name);
  if (!active) throw new AegisError('internal', `chat command ${intent.name} is not loaded`);
  const { command, ctx, secrets } = active;
  if (intent.usage) return { rich: ['Usage: ', command.help] };
  const reply = await command.handler({
    ...ctx,
    text: intent.text,
    args: intent.args,
    match: intent.match,
    sender: { channel: sender.channel, id: sender.id },
    callTool: (name, input = {}) => callByName(name, input, `check the name in ${active.file}; \`ag --help\` lists the tools`),
  });
  const text = typeof reply === 'string' ? reply : JSON.stringify(reply);
  return { rich: [secrets.reduce((t, secret) => t.split(secret).join('****'), text)] };
}

/** The integrations' lines for the chat `help` reply. */
export async function chatCommandHelp(integrations: MessagingIntegrations): Promise<Rich> {
  const { commands } = await integrations.load();
  return commands.length ? ['\n', { b: 'From integrations' }, ...commands.map((c) => `\n${c.command.help}`)] : [];
}
