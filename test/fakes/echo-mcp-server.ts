/**
 * A trivial stdio MCP server for Claude Code's `--mcp-config`: a tool `echo` that returns its
 * text. The fake model calls it as `mcp__echo__echo` (directive `TOOL mcp__echo__echo {"text":"hi"}`)
 * to bring up the MCP tool permission dialog. A second tool, `say`, has a title ("Say the text back"),
 * which Claude Code 2.1.33x shows in its dialog in place of the tool's name.
 * Run: tsx test/fakes/echo-mcp-server.ts
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const server = new McpServer({ name: 'echo', version: '1.0.0' });
server.registerTool('echo', { description: 'Returns the text it is given.', inputSchema: { text: z.string().describe('Text to send back') } }, ({ text }) => ({
  content: [{ type: 'text', text: `echo: ${text}` }],
}));
server.registerTool(
  'say',
  { title: 'Say the text back', description: 'Returns the text it is given.', inputSchema: { text: z.string().describe('Text to send back') } },
  ({ text }) => ({ content: [{ type: 'text', text: `said: ${text}` }] }),
);
await server.connect(new StdioServerTransport());
