/**
 * The wire format of the Anthropic Messages API as far as Claude Code reads it: ids, usage, the
 * streamed SSE events and the error body. Kept apart from the fake server so that the shapes can be
 * checked against the API reference in one place.
 */
import { randomBytes } from 'node:crypto';

/** A content block the fake answers with; tool_use ids are made up when the script leaves them out. */
export type ReplyBlock = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: Record<string, unknown>; id?: string };

/** A block with every id filled in, as it goes on the wire. */
export type WireBlock = { type: 'text'; text: string } | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> };

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence';

export interface WireMessage {
  id: string;
  type: 'message';
  role: 'assistant';
  model: string;
  content: WireBlock[];
  stop_reason: StopReason;
  stop_sequence: null;
  usage: Usage;
}

export interface Usage {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  service_tier: 'standard';
}

/** One server-sent event: the `event:` name and the JSON `data:` (whose `type` repeats the name). */
export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Real ids look like `msg_01XFDUDYJgAACzvnptvVoYEL`: a prefix, `01`, then 22 base62 characters. */
export function wireId(prefix: 'msg' | 'toolu' | 'req'): string {
  const bytes = randomBytes(22);
  let tail = '';
  for (const b of bytes) tail += BASE62[b % 62];
  return `${prefix}_01${tail}`;
}

/** A rough token count (4 characters a token) so that usage figures grow with the text like real ones. */
export function roughTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function usage(inputTokens: number, outputTokens: number): Usage {
  return {
    input_tokens: inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
    service_tier: 'standard',
  };
}

export function toWireBlocks(blocks: ReplyBlock[]): WireBlock[] {
  return blocks.map((b) =>
    b.type === 'text' ? { type: 'text', text: b.text } : { type: 'tool_use', id: b.id ?? wireId('toolu'), name: b.name, input: b.input },
  );
}

export function stopReasonOf(blocks: WireBlock[]): StopReason {
  return blocks.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
}

export function outputTokensOf(blocks: WireBlock[]): number {
  return blocks.reduce((n, b) => n + roughTokens(b.type === 'text' ? b.text : JSON.stringify(b.input)), 0);
}

/**
 * Splits text into at most `maxPieces` pieces on code-point boundaries (never inside a surrogate
 * pair), so a slow stream shows the text growing without corrupting Unicode.
 */
export function splitText(text: string, maxPieces: number): string[] {
  const chars = Array.from(text);
  if (chars.length === 0) return [];
  const size = Math.max(1, Math.ceil(chars.length / Math.max(1, maxPieces)));
  const pieces: string[] = [];
  for (let i = 0; i < chars.length; i += size) pieces.push(chars.slice(i, i + size).join(''));
  return pieces;
}

/**
 * The event sequence of a streamed message, in the order the API sends it: message_start, ping, for
 * each block content_block_start / *_delta... / content_block_stop, message_delta (stop reason and
 * final usage), message_stop. `piecesPerBlock` sets how finely each block's content is cut into deltas.
 */
export function streamEvents(message: WireMessage, piecesPerBlock: number): SseEvent[] {
  const events: SseEvent[] = [];
  const start = { ...message, content: [], stop_reason: null, usage: { ...message.usage, output_tokens: 1 } };
  events.push({ event: 'message_start', data: { type: 'message_start', message: start } });
  events.push({ event: 'ping', data: { type: 'ping' } });
  message.content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: { type: 'text', text: '' } } });
      for (const text of splitText(block.text, piecesPerBlock)) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'text_delta', text } } });
      }
    } else {
      const contentBlock = { type: 'tool_use', id: block.id, name: block.name, input: {} };
      events.push({ event: 'content_block_start', data: { type: 'content_block_start', index, content_block: contentBlock } });
      for (const partial_json of splitText(JSON.stringify(block.input), piecesPerBlock)) {
        events.push({ event: 'content_block_delta', data: { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json } } });
      }
    }
    events.push({ event: 'content_block_stop', data: { type: 'content_block_stop', index } });
  });
  events.push({
    event: 'message_delta',
    data: { type: 'message_delta', delta: { stop_reason: message.stop_reason, stop_sequence: null }, usage: message.usage },
  });
  events.push({ event: 'message_stop', data: { type: 'message_stop' } });
  return events;
}

export function encodeSse(e: SseEvent): string {
  return `event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

/** Error type names the API uses for each status; Claude Code shows `API Error: <status> <message>`. */
export function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

export function errorBody(status: number, message: string, requestId: string, type = errorTypeFor(status)): Record<string, unknown> {
  return { type: 'error', error: { type, message }, request_id: requestId };
}
