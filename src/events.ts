import { EventEmitter } from 'node:events';

/** Lifecycle events that integrations, notifiers and webhooks can observe. */
export interface AegisEvents {
  session_created: { sessionId: string; name: string; agent: string; workDir: string };
  session_state_changed: { sessionId: string; from: string; to: string; detail?: unknown };
  /** The agent completed a turn (Claude Code's Stop hook; working → idle for agents without hooks). */
  session_turn_finished: { sessionId: string; at: number; message?: string };
  before_tool_call: { tool: string; input: unknown; caller: string };
  after_tool_call: { tool: string; input: unknown; caller: string; durationMs: number; ok: boolean; error?: string };
  message_received: { channel: string; from: string; text: string };
  message_sent: { channel: string; to: string; text: string };
  pipeline_stage_done: { pipelineId: string; stage: string; status: string };
  /** A session or pipeline reached 80 % (notice) or 100 % (its agents interrupted) of its budget. */
  budget_notice: {
    sessionId?: string;
    pipelineId?: string;
    name: string;
    percent: number;
    budget: { usd?: number; tokens?: number };
    usage: { totalTokens: number; costUsd: number };
    action: 'notice' | 'interrupted';
  };
}

export type AegisEventName = keyof AegisEvents;

/**
 * A typed, in-process event bus. Listeners are fire-and-forget: a listener that throws is logged by
 * whoever subscribed it and never breaks the emitter.
 */
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor() {
    this.emitter.setMaxListeners(100);
  }

  on<E extends AegisEventName>(event: E, listener: (payload: AegisEvents[E]) => void): () => void {
    const safe = (payload: AegisEvents[E]) => {
      try {
        listener(payload);
      } catch {
        /* listeners own their errors; the emitter never fails because of one */
      }
    };
    this.emitter.on(event, safe);
    return () => this.emitter.off(event, safe);
  }

  emit<E extends AegisEventName>(event: E, payload: AegisEvents[E]): void {
    this.emitter.emit(event, payload);
  }
}
