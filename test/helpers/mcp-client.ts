import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN } from './env.js';

/** How much of the server's stderr is kept for a failing test to show (its newest part). */
const STDERR_KEPT = 16_000;

/** The servers' stderr tails, by client: a failing wait shows what the server logged. */
const stderrTails = new WeakMap<Client, () => string>();

/** The newest part of what the server behind `client` wrote to stderr ('' when unknown). */
export function serverLog(client: Client): string {
  return stderrTails.get(client)?.() ?? '';
}

/**
 * A real MCP client talking to a real `ag mcp` child over stdio, as an MCP host would. Tests reach every
 * tool unless they pass other arguments (test/e2e/mcp-toolsets.test.ts checks the default surface).
 * The child's stderr is read as it comes (an unread pipe would block the server once full) and its
 * newest part kept for failure messages.
 */
export async function connectMcp(
  env: Record<string, string>,
  mcpArgs: string[] = ['--toolsets', 'all'],
): Promise<{ client: Client; transport: StdioClientTransport; close(): Promise<void> }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...mcpArgs], env, stderr: 'pipe' });
  let tail = '';
  transport.stderr?.on('data', (d: Buffer) => {
    tail = (tail + d.toString()).slice(-STDERR_KEPT);
  });
  const client = new Client({ name: 'aegis-test', version: '0.0.0' });
  stderrTails.set(client, () => tail);
  await client.connect(transport);
  return { client, transport, close: () => client.close() };
}
