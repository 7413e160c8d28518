import type { App } from '../app.js';

export interface ResourceEntry {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType: string;
}

/**
 * Resources computed from live data (the session list, a session's transcript or pane). Areas
 * provide them without knowing MCP; the MCP server lists, reads and watches them.
 */
export interface DynamicResourceProvider {
  /** URI templates this provider answers (shown to clients as resource templates). */
  templates: { uriTemplate: string; name: string; description: string; mimeType: string }[];
  list(app: App): Promise<ResourceEntry[]>;
  /** Returns undefined when the URI is not one of this provider's. */
  read(app: App, uri: string): Promise<{ text: string; mimeType: string } | undefined>;
  /** Calls `onUpdated(uri)` whenever a resource of this provider changes; returns an unsubscribe. */
  watch?(app: App, onUpdated: (uri: string) => void): () => void;
}
