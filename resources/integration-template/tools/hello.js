import { defineTool, z } from 'aegis-agents';
import { greeting } from './_greeting.js';

// One tool per file (or several exports). Its name is <integration>_<verb>: MCP serves it as
// {{name}}_hello, the CLI as `ag {{name}} hello`. ctx is the built-in tool context plus
// ctx.settings (this integration's setup.json values) and ctx.integration.
export default defineTool({
  name: '{{name}}_hello',
  title: 'Say hello',
  description: 'Greets someone by name. The example tool of the {{name}} integration: replace it with a call to your service.',
  input: z.object({ name: z.string().min(1).describe('Who to greet') }),
  output: z.object({ greeting: z.string() }),
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  cli: { positional: ['name'] },
  handler: async (ctx, input) => ({ greeting: greeting(ctx.settings.greeting, input.name) }),
});
