// The floor for an MCP round trip: the smallest stdio server the SDK makes, one tool that answers
// at once. A bench's MCP figure divided by this one's, measured in the same run, is what the server
// itself adds on top of Node, the SDK and the pipe.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'floor', version: '0.0.0' });
server.registerTool('ping', { description: 'Answers at once.' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
await server.connect(new StdioServerTransport());
