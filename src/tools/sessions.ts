/**
 * The session tools, in the order `ag --help` and MCP list them. Each group lives in src/tools/sessions/:
 * starting (create.ts), looking (views.ts), the conversation and screen (conversation.ts), dialogs
 * (dialogs.ts) and controls (controls.ts).
 */
import { sessionInterrupt, sessionEscape, sessionKill, sessionWait } from './sessions/controls.js';
import { sessionPane, sessionRead, sessionSend } from './sessions/conversation.js';
import { sessionBatchCreate, sessionCreate } from './sessions/create.js';
import { sessionAnswer, sessionApprove, sessionReject } from './sessions/dialogs.js';
import { sessionGet, sessionHealth, sessionList, sessionSummaryTool } from './sessions/views.js';

export { sessionAnswer, sessionApprove, sessionCreate, sessionGet, sessionKill, sessionList, sessionReject, sessionSend };

export const sessionTools = [
  sessionCreate,
  sessionBatchCreate,
  sessionList,
  sessionGet,
  sessionSend,
  sessionRead,
  sessionPane,
  sessionApprove,
  sessionReject,
  sessionAnswer,
  sessionInterrupt,
  sessionEscape,
  sessionKill,
  sessionWait,
  sessionHealth,
  sessionSummaryTool,
];
