import type { Rich } from '../../channels/format.js';
import type { SessionRecord } from '../../sessions/index.js';
import { openDialog, WAITING_STATES, type CodeStore } from './codes.js';
import { clip } from '../../util/text.js';
import { dialogLine, shortId } from '../present.js';
import type { MessagingSessions } from '../deps.js';

export interface Waiting {
  session: SessionRecord;
  /** The code that answers its dialog; absent for a plain-text question (answered with `input:`). */
  code?: string;
}

/** Sessions waiting for a person, oldest first, each with the code of its open dialog. */
export function waitingSessions(sessions: Pick<MessagingSessions, 'live'>, codes: CodeStore): Waiting[] {
  return sessions
    .live()
    .filter((s) => WAITING_STATES.includes(s.state))
    .sort((a, b) => a.stateSince - b.stateSince)
    .map((session) => {
      const open = openDialog(session);
      return { session, code: open ? codes.forDialog(open).code : undefined };
    });
}

/** One line per waiting session: `• 3f2 claude-1a2b: Bash npm test`. */
export function waitingLines(list: Waiting[]): Rich {
  return list.flatMap((w) => {
    const what: Rich = w.session.dialog ? dialogLine(w.session.dialog) : [clip(w.session.lastAssistant ?? 'asked a question', 160)];
    const code: Rich = w.code ? [{ code: w.code }, ' '] : [{ code: shortId(w.session.id) }, ' '];
    return ['\n• ', ...code, { b: w.session.name }, ': ', ...what];
  });
}
