// The floor for loading a knowledge graph over MCP: the smallest stdio server the SDK makes, one tool
// that answers a create call by sending its entities straight back, in the shape kg_create_entities
// answers (the JSON as text, pretty-printed, and as structuredContent). It does no work of its own,
// so its time is what Node, the SDK, JSON and the pipe cost for the same bytes.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'echo-floor', version: '0.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(ListToolsRequestSchema, async () => ({
  tools: [{ name: 'echo_entities', description: 'Answers with the entities it was sent.', inputSchema: { type: 'object' } }],
}));
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const output = { created: request.params.arguments?.entities ?? [], existing: [] };
  return { content: [{ type: 'text', text: JSON.stringify(output, null, 2) }], structuredContent: output };
});
await server.connect(new StdioServerTransport());
