import type { Rich } from '../../channels/format.js';
import type { ChannelAdapter, ChannelName } from '../../channels/types.js';
import type { Db } from '../../db/open.js';
import type { CodeStore } from './codes.js';
import { localTime } from '../notifications/journal.js';
import { fromRow } from '../delivery/messages.js';
import type { Outbox } from '../delivery/outbox.js';

/** How a channel is named to a person. */
const CHANNEL_NAMES: Record<string, string> = { telegram: 'Telegram', whatsapp: 'WhatsApp', discord: 'Discord', slack: 'Slack', cli: 'the command line' };
const channelTitle = (c: string): string => CHANNEL_NAMES[c] ?? c;

/** Who answered a prompt, where and when: "approved on Telegram by tess at 14:02". */
export function answeredBy(verb: string, channel: string, who: string, at = Date.now()): string {
  return `${verb} on ${channelTitle(channel)} by ${who} at ${localTime(at)}`;
}

/**
 * One prompt, one truth across channels: when a prompt is answered anywhere (a chat, the CLI, MCP, the
 * terminal), every notice of it is updated in place (the text says how it was answered, the buttons go)
 * through the outbox, so an edit survives outages and restarts like any message. Channels that cannot
 * edit (WhatsApp) get a short follow-up instead, except the one it was answered on (its reply says so).
 */
export class PromptNotices {
  /** Codes a chat command is answering right now: the answer's own report wins over "answered elsewhere". */
  private readonly answering = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly outbox: Outbox,
    private readonly adapters: Map<ChannelName, ChannelAdapter>,
    private readonly codes: CodeStore,
  ) {}

  /** Runs `answer` for `code`; while it runs, the prompt leaving the screen is not taken for an answer elsewhere. */
  async answeringWith<T>(code: string | undefined, answer: () => Promise<T>): Promise<T> {
    if (!code) return answer();
    this.answering.add(code);
    try {
      return await answer();
    } finally {
      this.answering.delete(code);
    }
  }

  isAnswering(code: string): boolean {
    return this.answering.has(code);
  }

  /**
   * Records how the prompt of `code` was answered and updates its notices. `icon` + `how` is the line
   * added ("✅" + "approved on Telegram by tess at 14:02"); `subject` names the prompt in a follow-up.
   * Does nothing when the prompt's answer was already recorded.
   */
  resolve(code: string, icon: string, how: string, subject: Rich, answeredOn?: ChannelName): boolean {
    if (!this.codes.resolve(code, how)) return false;
    const rows = (
      this.db
        .prepare("SELECT * FROM messages WHERE direction = 'out' AND kind = 'notification' AND json_extract(payload, '$.promptCode') = ? ORDER BY id")
        .all(code) as Parameters<typeof fromRow>[0][]
    ).map(fromRow);
    const line: Rich = [`${icon} `, { b: how.charAt(0).toUpperCase() + how.slice(1) }];
    for (const row of rows) {
      if (!this.adapters.has(row.channel)) continue;
      this.outbox.enqueue({
        channel: row.channel,
        to: row.peer,
        kind: 'update',
        rich: [...(row.payload?.rich ?? [row.text]), '\n\n', ...line],
        followUp: row.channel === answeredOn ? undefined : [...line, ': ', ...subject],
        updates: row.id,
      });
    }
    this.outbox.kick();
    return true;
  }
}
