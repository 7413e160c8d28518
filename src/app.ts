import { join } from 'node:path';
import { loadConfig, type Config } from './config/load.js';
import { openDatabase, type Db } from './db/open.js';
import { EventBus } from './events.js';
import { KnowledgeGraph } from './knowledge/graph.js';
import { MemoryStore } from './memory/store.js';
import { createLogger, type Logger } from './util/log.js';
import { VERSION } from './version.js';
import { SessionService } from './sessions/service.js';
import { PipelineService } from './pipelines/service.js';
import { MessagingService } from './messaging/index.js';
import { Integrations } from './integrations/host.js';
import { chatTools } from './tools/chat.js';

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  /** Where logs go; the MCP server keeps stdout for the protocol, so this is always stderr or a file. */
  logStream?: NodeJS.WritableStream;
  /** Start even when config.json is broken, with its problems in config.problems (only `ag doctor`). */
  tolerantConfig?: boolean;
}

/**
 * The composition root: reads config, opens the database and builds every service, each once and
 * only when first used, so a one-shot CLI command pays only for what it touches.
 */
export class App {
  readonly config: Config;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  readonly events = new EventBus();
  readonly version = VERSION;
  readonly startedAt = Date.now();
  private readonly lazy = new Map<string, unknown>();
  private readonly closers: (() => void | Promise<void>)[] = [];

  constructor(opts: AppOptions = {}) {
    this.env = opts.env ?? process.env;
    this.config = loadConfig(this.env, { tolerant: opts.tolerantConfig });
    this.log = createLogger(this.config.get('log.level'), opts.logStream ?? process.stderr);
  }

  get dbPath(): string {
    return join(this.config.home, 'aegis.db');
  }

  get db(): Db {
    return this.once('db', () => {
      const db = openDatabase(this.dbPath);
      this.onClose(() => {
        db.close();
      });
      return db;
    });
  }

  get memory(): MemoryStore {
    return this.once('memory', () => new MemoryStore(this.db));
  }

  get knowledge(): KnowledgeGraph {
    return this.once('knowledge', () => new KnowledgeGraph(this.db));
  }

  get sessions(): SessionService {
    return this.once('sessions', () => new SessionService(this));
  }

  get pipelines(): PipelineService {
    return this.once('pipelines', () => new PipelineService(this));
  }

  get messaging(): MessagingService {
    return this.once('messaging', () => new MessagingService(this, chatTools(this)));
  }

  /** User integrations; `await app.integrations.load()` discovers and loads them once. */
  get integrations(): Integrations {
    return this.once('integrations', () => new Integrations(this));
  }

  /** Builds a service the first time it is asked for; later calls get the same instance. */
  once<T>(key: string, build: () => T): T {
    if (!this.lazy.has(key)) this.lazy.set(key, build());
    return this.lazy.get(key) as T;
  }

  /** Registers cleanup run by close(), last registered first. */
  onClose(fn: () => void | Promise<void>): void {
    this.closers.push(fn);
  }

  async close(): Promise<void> {
    while (this.closers.length) {
      const fn = this.closers.pop()!;
      try {
        await fn();
      } catch (err) {
        this.log.warn('cleanup failed', { error: (err as Error).message });
      }
    }
    this.lazy.clear();
  }
}
