import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import { ROOT } from './env.js';
import { join } from 'node:path';
import { waitFor } from './wait.js';
import { serverLog } from './mcp-client.js';

export const FAKE_CLAUDE = join(ROOT, 'test', 'fixtures', 'fake-claude', 'fake-claude.mjs');

/** Calls a tool and returns its structured result, failing the test with the tool's error text. */
export async function call<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown>): Promise<T> {
  const r = await client.callTool({ name, arguments: args }, undefined, { timeout: 70_000 });
  if (r.isError) throw new Error(`${name} failed: ${(r.content as { text: string }[])[0]?.text}`);
  return r.structuredContent as T;
}

/** Calls a tool expecting an error; returns the error text. */
export async function callError(client: Client, name: string, args: Record<string, unknown>): Promise<string> {
  const r = await client.callTool({ name, arguments: args });
  expect(r.isError, `${name} should have failed`).toBe(true);
  return (r.content as { text: string }[])[0]!.text;
}

export async function waitState(
  client: Client,
  id: string,
  states: string[],
  timeoutSeconds = 30,
): Promise<{ state: string; matched: boolean; dialog?: Record<string, unknown> }> {
  const r = await call<{ state: string; matched: boolean; dialog?: Record<string, unknown> }>(client, 'session_wait', { id, states, timeoutSeconds });
  if (!states.includes(r.state)) expect.fail(`waiting for ${states.join('|')}, the session is ${r.state}\n${await whatHappened(client, id)}`);
  return r;
}

/** A failing wait's evidence: the session's messages, its screen and the server's log. */
export async function whatHappened(client: Client, id: string): Promise<string> {
  const got = await client.callTool({ name: 'session_get', arguments: { id } }).catch((e: Error) => ({ structuredContent: { error: e.message } }));
  const pane = await client.callTool({ name: 'session_pane', arguments: { id } }).catch(() => undefined);
  const screen = (pane?.structuredContent as { text?: string } | undefined)?.text ?? '';
  return [`session_get: ${JSON.stringify(got.structuredContent)}`, `screen:\n${screen.trimEnd()}`, `server log (newest part):\n${serverLog(client)}`].join(
    '\n',
  );
}

export interface TurnLike {
  role: string;
  text?: string;
  tool?: { name: string; input: Record<string, unknown> };
  result?: { content: string; isError: boolean };
}

/** Reads turns until `pred` holds on them (the transcript is written a moment after the screen shows the reply). */
export async function readUntil(client: Client, id: string, pred: (turns: TurnLike[]) => boolean, what: string): Promise<TurnLike[]> {
  return waitFor(
    async () => {
      const r = await call<{ turns: TurnLike[] }>(client, 'session_read', { id, limit: 500 });
      return pred(r.turns) ? r.turns : undefined;
    },
    { timeoutMs: 15_000, what },
  );
}

/** Sends a prompt that must be delivered now (the agent is ready); a failure shows what happened instead. */
export async function sendDelivered(client: Client, id: string, text: string): Promise<void> {
  const sent = await call<{ status: string; error?: string }>(client, 'session_send', { id, text });
  if (sent.status !== 'delivered') expect.fail(`session_send answered ${JSON.stringify(sent)}\n${await whatHappened(client, id)}`);
}
