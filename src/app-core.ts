import { join } from 'node:path';
import { loadConfig, type Config } from './config/load.js';
import { openDatabase, type Db } from './db/open.js';
import { EventBus } from './events.js';
import { KnowledgeGraph } from './knowledge/graph.js';
import { MemoryStore } from './memory/store.js';
import { createLogger, type Logger } from './util/log.js';
import { VERSION } from './version.js';
import type { SessionService } from './sessions/service.js';
import type { PipelineService } from './pipelines/service.js';
import type { MessagingService } from './messaging/service.js';
import type { Integrations } from './integrations/host.js';

/**
 * The classes of the services that pull in most of Aegis (tmux, agents, channels, integrations). This
 * module does not import them, so a one-shot `ag memory ...` loads none of their code; src/app.ts
 * provides them, and importing App from there (what everything but the CLI's per-command path does)
 * gives an App with every service.
 */
export interface ServiceClasses {
  SessionService: typeof SessionService;
  PipelineService: typeof PipelineService;
  MessagingService: typeof MessagingService;
  Integrations: typeof Integrations;
}

let services: ServiceClasses | undefined;

/** Called once by src/app.ts with the service classes. */
export function provideServices(classes: ServiceClasses): void {
  services = classes;
}

function serviceClasses(): ServiceClasses {
  if (!services) throw new Error('internal: a session, pipeline, messaging or integrations service was used before src/app.js was loaded (import App from app.js, or await loadServices())');
  return services;
}

/** Loads src/app.js, which provides the service classes; the CLI's per-command path calls it for tools that use them. */
export async function loadServices(): Promise<void> {
  await import('./app.js');
}

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
    return this.once('sessions', () => new (serviceClasses().SessionService)(this));
  }

  get pipelines(): PipelineService {
    return this.once('pipelines', () => new (serviceClasses().PipelineService)(this));
  }

  get messaging(): MessagingService {
    return this.once('messaging', () => new (serviceClasses().MessagingService)(this));
  }

  /** User integrations; `await app.integrations.load()` discovers and loads them once. */
  get integrations(): Integrations {
    return this.once('integrations', () => new (serviceClasses().Integrations)(this));
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
