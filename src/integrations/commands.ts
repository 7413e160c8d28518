import type { ChatCommand, IntegrationContext } from './types.js';

/** An accepted chat command, with the context of its integration. */
export interface ActiveChatCommand {
  command: ChatCommand;
  file: string;
  ctx: IntegrationContext;
  /** The integration's secret setting values: never echoed in a reply. */
  secrets: string[];
}

/** The chat grammar's words and parser (messaging's front door has both), handed in by whoever runs the check. */
export interface ChatGrammar {
  COMMAND_WORDS: readonly string[];
  parseCommand(text: string): { kind: string };
}

/**
 * Whether a word already means something to the chat grammar (`status`, `y`, `c:`...). Asks the
 * parser itself, so the answer follows the grammar as it changes.
 */
export function builtinChatWord({ COMMAND_WORDS, parseCommand }: ChatGrammar): (word: string) => boolean {
  const free = new Set(['unknown', 'empty']);
  return (word) => COMMAND_WORDS.includes(word) || !free.has(parseCommand(word).kind) || !free.has(parseCommand(`${word}: x`).kind);
}
