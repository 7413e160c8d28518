import type { AgentName } from '../../agents/names.js';
import type { Dialog, SessionState } from '../../agents/types.js';
import type { DialogCheck } from '../../sessions/index.js';

/**
 * The tool calls chat commands make, each typed by what the router reads of its result. Messaging owns
 * this shape and imports no tool: the tools area builds it (src/tools/chat.ts, caller 'chat'), where
 * the compiler holds every entry to its tool's own input and output schemas, and the interface that
 * builds the App hands it over (AppOptions.chatTools, src/cli/program.ts).
 */
export interface ChatTools {
  session_create: (input: {
    workDir: string;
    prompt: string;
    agent?: AgentName;
    worktree?: boolean;
  }) => Promise<{ id: string; name: string; worktree?: { branch: string } }>;
  session_list: (input: { limit: number }) => Promise<{ sessions: { id: string; name: string; state: SessionState; lastActivity: string }[]; total: number }>;
  session_get: (input: {
    id: string;
  }) => Promise<{ id: string; name: string; state: SessionState; stateSince: string; workDir: string; dialog?: Dialog; lastAssistantMessage?: string }>;
  session_send: (input: { id: string; text: string }) => Promise<{ status: string; position?: number; error?: string }>;
  session_kill: (input: { id: string }) => Promise<{ killedProcesses: number }>;
  /** `expect`: the dialog the answer is for (a code's); nothing is pressed when the session shows another. */
  session_approve: (input: { id: string; scope: 'once' | 'always' }, expect?: DialogCheck) => Promise<{ state: string; approved: Dialog; chose: string }>;
  session_reject: (input: { id: string; reason?: string }, expect?: DialogCheck) => Promise<{ state: string; rejected: Dialog }>;
  session_answer: (input: { id: string; answer: string }, expect?: DialogCheck) => Promise<{ state: string; answeredWith: string }>;
  message_list: (input: {
    failed: boolean;
    limit: number;
  }) => Promise<{ messages: { id: number; channel: string; peer: string; text: string; error?: string; updatedAt: string }[]; total: number }>;
  message_resend: (input: { ids: number[]; all: boolean }) => Promise<{ resent: number[]; skipped: number[] }>;
  kg_search: (input: {
    query: string;
    detail: 'brief' | 'full';
    limit: number;
  }) => Promise<{ results: { name: string; entityType: string; bestObservation?: string | null; observations?: string[] }[]; hasMore: boolean }>;
  /** Any tool by name, integrations' included (an integration's chat command calls them); `fix` says where the name came from when none has it. */
  byName: (name: string, input: Record<string, unknown>, fix: string) => Promise<Record<string, unknown>>;
}
