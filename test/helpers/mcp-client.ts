import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN } from './env.js';

/**
 * A real MCP client talking to a real `ag mcp` child over stdio, as an MCP host would. Tests reach every
 * tool unless they pass other arguments (test/e2e/mcp-toolsets.test.ts checks the default surface).
 */
export async function connectMcp(
  env: Record<string, string>,
  mcpArgs: string[] = ['--toolsets', 'all'],
): Promise<{ client: Client; transport: StdioClientTransport; close(): Promise<void> }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...mcpArgs], env, stderr: 'pipe' });
  const client = new Client({ name: 'aegis-test', version: '0.0.0' });
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}
