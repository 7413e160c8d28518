/** A chat message meant for an integration's command (what the parser makes of it). */
export interface ChatCommandIntent {
  kind: 'command';
  name: string;
  /** The whole message, a leading `/` and `@bot` removed. */
  text: string;
  /** The text after the first word. */
  args: string;
  match?: RegExpExecArray;
  /** The command's word was typed but its pattern did not match: answer with its help. */
  usage?: boolean;
}

export interface ChatCommandSpec {
  name: string;
  pattern?: RegExp;
}

/**
 * Matches a message against the integrations' chat commands; the parser asks only after the built-in
 * grammar and the operators found nothing. A command without a pattern takes messages whose first
 * word is its name; one with a pattern takes messages the pattern matches, in load order.
 */
export function matchChatCommand(commands: readonly ChatCommandSpec[], body: string): ChatCommandIntent | undefined {
  const text = body.trim();
  const first = text.split(/\s+/)[0] ?? '';
  const word = first.toLowerCase();
  const args = text.slice(first.length).trim();
  const byName = commands.find((c) => !c.pattern && c.name === word);
  if (byName) return { kind: 'command', name: byName.name, text, args };
  for (const c of commands) {
    if (!c.pattern) continue;
    c.pattern.lastIndex = 0; // a /g or /y pattern keeps state between exec calls
    const match = c.pattern.exec(text);
    if (match) return { kind: 'command', name: c.name, text, args, match };
  }
  const usage = commands.find((c) => c.name === word);
  return usage && { kind: 'command', name: usage.name, text, args, usage: true };
}
