import type { Rich } from '../../channels/format.js';
import type { Button } from '../../channels/types.js';

/** Who sent a command: the channel and their id on it (what the context is kept under). */
export interface Sender {
  channel: string;
  id: string;
  /** Their name on the channel (username), for "approved on Telegram by tess". */
  name?: string;
}

export interface Reply {
  rich: Rich;
  buttons?: Button[][];
  /** Short text for a pressed button's toast (Telegram answerCallbackQuery). */
  ack?: string;
  /** The command could not be done (the reply says why). */
  failed?: boolean;
  /** A pressed button's message keeps its buttons (the prompt is still open, e.g. waiting for a reason). */
  keepButtons?: boolean;
}
