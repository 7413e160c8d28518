import type { DynamicResourceProvider, ResourceEntry } from '../content/index.js';
import type { EventBus } from '../events.js';
import type { SessionService } from './service.js';

/** What the session resources read: the sessions (records, screens, transcripts) and their state changes. */
export interface SessionResourceDeps {
  sessions: Pick<SessionService, 'list' | 'queued' | 'refreshLive' | 'fresh' | 'transcriptPath' | 'transcript'>;
  events: Pick<EventBus, 'on'>;
}

const LIST_URI = 'aegis://sessions';
const SESSION_URI = /^aegis:\/\/sessions\/([^/]+)(?:\/(transcript|pane))?$/;

const json = (value: unknown) => ({ text: JSON.stringify(value, null, 2), mimeType: 'application/json' });

/**
 * Sessions as MCP resources: the list, each session's record, its transcript (as turns) and its pane
 * (rendered text). Subscribed clients get resources/updated when a session changes state.
 */
export const sessionResources: DynamicResourceProvider<SessionResourceDeps> = {
  templates: [
    { uriTemplate: 'aegis://sessions/{id}', name: 'session', description: 'One session: state, dialog, queue (JSON)', mimeType: 'application/json' },
    {
      uriTemplate: 'aegis://sessions/{id}/transcript',
      name: 'session-transcript',
      description: "The session's conversation as turns (JSON)",
      mimeType: 'application/json',
    },
    { uriTemplate: 'aegis://sessions/{id}/pane', name: 'session-pane', description: "The session's screen as text", mimeType: 'text/plain' },
  ],

  async list({ sessions: svc }): Promise<ResourceEntry[]> {
    const { sessions } = svc.list({ limit: 100, offset: 0 });
    return [
      { uri: LIST_URI, name: 'sessions', title: 'Agent sessions', description: 'Every session with its state (JSON)', mimeType: 'application/json' },
      ...sessions.flatMap((s) => [
        { uri: `${LIST_URI}/${s.id}`, name: `session-${s.name}`, title: `Session ${s.name} (${s.state})`, mimeType: 'application/json' },
        { uri: `${LIST_URI}/${s.id}/transcript`, name: `transcript-${s.name}`, title: `Transcript of ${s.name}`, mimeType: 'application/json' },
        { uri: `${LIST_URI}/${s.id}/pane`, name: `pane-${s.name}`, title: `Screen of ${s.name}`, mimeType: 'text/plain' },
      ]),
    ];
  },

  async read({ sessions: svc }, uri) {
    if (uri === LIST_URI) {
      await svc.refreshLive();
      const { sessions, total } = svc.list({ limit: 500, offset: 0 });
      return json({
        total,
        sessions: sessions.map(({ id, name, agent, state, workDir, stateSince, lastActivity }) => ({
          id,
          name,
          agent,
          state,
          workDir,
          stateSince,
          lastActivity,
        })),
      });
    }
    const m = SESSION_URI.exec(uri);
    if (!m) return undefined;
    const { session, observer } = await svc.fresh(m[1]!);
    if (m[2] === 'pane') return { text: observer ? observer.screen.lines().join('\n') : `(session ${session.state}; no pane)`, mimeType: 'text/plain' };
    if (m[2] === 'transcript') {
      const path = svc.transcriptPath(session);
      if (!path) return json({ turns: [], note: `${session.agent} sessions have no transcript` });
      const reader = svc.transcript(session.id, path);
      reader.refresh();
      return json(reader.read({ last: 200 }));
    }
    const { argv: _argv, hooksFile: _hooks, ...visible } = session;
    return json({ ...visible, queuedMessages: svc.queued(session.id) });
  },

  watch({ events }, onUpdated) {
    const off = events.on('session_state_changed', ({ sessionId }) => {
      onUpdated(LIST_URI);
      for (const suffix of ['', '/transcript', '/pane']) onUpdated(`${LIST_URI}/${sessionId}${suffix}`);
    });
    return off;
  },
};
