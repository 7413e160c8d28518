import { defineChatCommands } from 'aegis-agents';

// Chat commands, answered on every channel (Telegram, WhatsApp, Discord, Slack) and by message_handle.
// Without a pattern a command takes messages whose first word is its name; ctx.args is the rest.
export default defineChatCommands([
  {
    name: '{{name}}',
    help: '{{name}} <name> — greet someone (the {{name}} integration example)',
    async handler(ctx) {
      const { greeting } = await ctx.callTool('{{name}}_hello', { name: ctx.args || ctx.sender.id });
      return greeting;
    },
  },
]);
