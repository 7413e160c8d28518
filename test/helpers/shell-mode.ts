import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { expect } from 'vitest';
import { call, readUntil, sendDelivered, waitState, type TurnLike } from './sessions.js';
import { waitFor } from './wait.js';

/**
 * The shell-mode checks every real agent gets (Claude Code, Codex and Gemini CLI each switch their box
 * to a shell mode on a `!` typed first): a prompt beginning with `!`, one line or several, reaches the
 * model once, byte for byte, and runs nothing; a `!` a person typed at the pane is left before the next
 * prompt, which reaches the model. `prompts` lists what the fake model received; `shellShown` is text
 * the agent draws in shell mode.
 */
export async function expectNoPromptRunsAsShell(opts: {
  client: Client;
  id: string;
  socket: string;
  workDir: string;
  shellShown: string;
  prompts: () => string[];
}): Promise<void> {
  const { client, id } = opts;
  const said = (text: string) => (ts: TurnLike[]) => ts.some((x) => x.role === 'assistant' && x.text?.includes(text));
  const witness = join(opts.workDir, `bang-${id.slice(0, 8)}`);
  // Pasted as is, "!" switched the agent to its shell mode: the send failed three times, leaving the command in the box three times over.
  // Pasted after a space, Claude Code passed the space on: its model got " !ls …".
  for (const text of [`!ls -la && echo hi > ${witness}`, `!touch ${witness}\nsecond line && echo hi`]) {
    await waitState(client, id, ['idle']);
    await sendDelivered(client, id, text);
    await readUntil(client, id, said(text.split('\n').at(-1)!), 'the echo');
    const body = text.slice(1).split('\n')[0]!;
    expect(opts.prompts().filter((p) => p.includes(body))).toEqual([text]);
    expect(existsSync(witness)).toBe(false);
  }

  await waitState(client, id, ['idle']);
  const { pane } = await call<{ pane: { id: string } }>(client, 'session_get', { id });
  execFileSync('tmux', ['-L', opts.socket, 'send-keys', '-t', pane.id, '-l', '!']);
  await waitFor(async () => (await call<{ text: string }>(client, 'session_pane', { id })).text.includes(opts.shellShown), { what: 'shell mode' });
  await sendDelivered(client, id, `echo after shell mode > ${witness}`);
  await readUntil(client, id, said('ECHO: echo after shell mode'), 'the prompt answered by the model');
  expect(existsSync(witness)).toBe(false);
}
