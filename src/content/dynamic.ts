export interface ResourceEntry {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType: string;
}

/**
 * Resources computed from live data (the session list, a session's transcript or pane). Areas
 * provide them without knowing MCP; the MCP server lists, reads and watches them, handing each
 * provider the services it declares in `Deps` (the MCP server passes the App, which has them all).
 */
export interface DynamicResourceProvider<Deps> {
  /** URI templates this provider answers (shown to clients as resource templates). */
  templates: { uriTemplate: string; name: string; description: string; mimeType: string }[];
  list(deps: Deps): Promise<ResourceEntry[]>;
  /** Returns undefined when the URI is not one of this provider's. */
  read(deps: Deps, uri: string): Promise<{ text: string; mimeType: string } | undefined>;
  /** Calls `onUpdated(uri)` whenever a resource of this provider changes; returns an unsubscribe. */
  watch?(deps: Deps, onUpdated: (uri: string) => void): () => void;
}
