/**
 * Messaging's front door: everything outside src/messaging imports from here, never from its folders.
 *   service.ts       MessagingService: inbox, outbox, router and channel adapters wired together
 *   deps.ts          what messaging uses from the rest of Aegis (MessagingDeps), handed in by the root
 *   commands/        the chat grammar (parser), the command router and its answers to waiting prompts
 *                    (prompt-answers.ts), sender contexts, operator commands, the ChatTools it calls
 *   approvals/       prompt codes, the notices of open prompts and who answered them, who waits
 *   delivery/        the message table, outbox (retries, fallback, dead letters), inbox, cursors,
 *                    targets, the WhatsApp 24-hour window, events forwarded to outbound webhooks (event-forwarding.ts)
 *   notifications/   the notifier, notice texts, rate limits, briefings and their schedule, the journal
 *   serve/           `ag serve`: the sender lease, pollers and the inbound chat webhook server
 *                    (inbound-webhook-server.ts: Telegram/WhatsApp/Slack/Discord call it)
 */
export { MessagingService, type ChannelEntry, type ReceiveOutcome } from './service.js';
export { ServeRuntime, type ServeDeps, type ServeOptions } from './serve/runtime.js';
export type { MessagingDeps } from './deps.js';
export { COMMAND_WORDS, parseCommand, type Intent } from './commands/parser.js';
export type { Reply, Sender } from './commands/reply.js';
export type { ChatTools } from './commands/chat-tools.js';
export { DbCursors } from './delivery/cursors.js';
export { forwardEvents, ORIGIN_EVENTS } from './delivery/event-forwarding.js';
export { GIVEN_UP, listMessages, MESSAGE_STATUSES, type ListFilter, type MessageRecord, type MessageStatus } from './delivery/messages.js';
export { localDay, localTime } from './notifications/journal.js';
