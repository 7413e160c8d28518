import { join } from 'node:path';
import { loadConfig, type Config } from './config/load.js';
import { openDatabase, type Db } from './db/open.js';
import { AegisError } from './errors.js';
import { EventBus } from './events.js';
import { KnowledgeGraph } from './knowledge/index.js';
import { MemoryStore } from './memory/index.js';
import { createLogger, type Logger } from './util/log.js';
import { VERSION } from './version.js';
import type { SessionService } from './sessions/index.js';
import type { PipelineService } from './pipelines/index.js';
import type { ChatTools, MessagingService, ServeOptions, ServeRuntime } from './messaging/index.js';
import type { Integrations, ToolGuard, BuiltinToolName } from './integrations/index.js';

/**
 * The classes of the services that pull in most of Aegis (tmux, agents, channels, integrations). This
 * module does not import them, so a one-shot `ag memory ...` loads none of their code; src/app.ts
 * provides them all, and importing App from there (what everything but the CLI's per-command path does)
 * gives an App with every service.
 */
export interface ServiceClasses {
  SessionService: typeof SessionService;
  PipelineService: typeof PipelineService;
  MessagingService: typeof MessagingService;
  Integrations: typeof Integrations;
}

const services: Partial<ServiceClasses> = {};

/** Called by src/app.ts with every service class, and by loadServices with the ones it loaded. */
export function provideServices(classes: Partial<ServiceClasses>): void {
  Object.assign(services, classes);
}

function serviceClass<K extends keyof ServiceClasses>(name: K): ServiceClasses[K] {
  const found = services[name];
  if (!found) throw new Error(`internal: ${name} was used before its module was loaded (import App from src/app.js, or await loadServices([...]) naming it)`);
  return found;
}

/** The App getters whose classes src/app.ts provides. */
export type ServiceName = 'sessions' | 'pipelines' | 'messaging' | 'integrations';

const SERVICE_MODULES: Record<ServiceName, () => Promise<Partial<ServiceClasses>>> = {
  sessions: async () => ({ SessionService: (await import('./sessions/index.js')).SessionService }),
  pipelines: async () => ({ PipelineService: (await import('./pipelines/index.js')).PipelineService }),
  messaging: async () => ({ MessagingService: (await import('./messaging/index.js')).MessagingService }),
  integrations: async () => ({ Integrations: (await import('./integrations/index.js')).Integrations }),
};

/** Messaging's module, for what integrations use of it (chat grammar, cursors, event webhooks): loaded when one needs it. */
const messagingModule = () => import('./messaging/index.js');

/** Loads the modules of the named services only (the CLI's per-command path, for a tool that uses them). */
export async function loadServices(names: readonly ServiceName[]): Promise<void> {
  for (const loaded of await Promise.all(names.map((name) => SERVICE_MODULES[name]()))) provideServices(loaded);
}

export interface AppOptions {
  env?: NodeJS.ProcessEnv;
  /** Where logs go; the MCP server keeps stdout for the protocol, so this is always stderr or a file. */
  logStream?: NodeJS.WritableStream;
  /** Start even when config.json is broken, with its problems in config.problems (only `ag doctor`). */
  tolerantConfig?: boolean;
  /**
   * The built-in tools' names, which integrations must not take: handed in by the interface that builds
   * the App (src/cli/program.ts), since the root does not import the tools. Read only when an integration exists.
   */
  builtinToolNames?: () => Promise<readonly BuiltinToolName[]>;
  /**
   * The tools chat commands run (src/tools/chat.ts), loaded on the first one. The interface that builds
   * the App supplies them (src/cli/program.ts): the root sits below the tools and does not import them.
   */
  chatTools?: (app: App) => Promise<ChatTools>;
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
  /** Integrations' before_tool_call hooks, run by the tools layer before every call (src/tools/run.ts). */
  readonly toolGuards: ToolGuard[] = [];
  private readonly builtinToolNames: () => Promise<readonly BuiltinToolName[]>;
  private readonly lazy = new Map<string, unknown>();
  private readonly closers: (() => void | Promise<void>)[] = [];
  private readonly chatTools: AppOptions['chatTools'];

  constructor(opts: AppOptions = {}) {
    this.chatTools = opts.chatTools;
    this.env = opts.env ?? process.env;
    this.config = loadConfig(this.env, { tolerant: opts.tolerantConfig });
    this.log = createLogger(this.config.get('log.level'), opts.logStream ?? process.stderr);
    this.builtinToolNames = opts.builtinToolNames ?? (() => Promise.reject(new Error('internal: this App was built without builtinToolNames (AppOptions)')));
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
    return this.once(
      'sessions',
      () =>
        new (serviceClass('SessionService'))({
          config: this.config,
          db: this.db,
          env: this.env,
          events: this.events,
          log: this.log,
          onClose: (fn) => this.onClose(fn),
        }),
    );
  }

  get pipelines(): PipelineService {
    return this.once(
      'pipelines',
      () =>
        new (serviceClass('PipelineService'))({
          db: this.db,
          events: this.events,
          log: this.log,
          memory: this.memory,
          sessions: this.sessions,
          screens: this.sessions,
          defaultMaxConcurrent: this.config.get('pipelines.maxConcurrent'),
          startEngine: () => this.startEngine(),
          onClose: (fn) => this.onClose(fn),
        }),
    );
  }

  get messaging(): MessagingService {
    const app = this;
    return this.once(
      'messaging',
      () =>
        new (serviceClass('MessagingService'))({
          config: this.config,
          db: this.db,
          events: this.events,
          log: this.log,
          version: this.version,
          // Read when first used, not now: listing messages starts no sessions, pipelines or integrations.
          get sessions() {
            return app.sessions;
          },
          get pipelines() {
            return app.pipelines;
          },
          get integrations() {
            return app.integrations;
          },
          chatTools: async () => {
            if (!this.chatTools)
              throw new AegisError('internal', 'this process was started without the tools chat commands run', {
                fix: 'build the App with the chatTools option (src/tools/chat.ts)',
              });
            return this.chatTools(this);
          },
        }),
    );
  }

  /** `ag serve`'s runtime (channels' polling and webhooks, notifications, briefings) on this App's services. */
  async serveRuntime(opts: ServeOptions): Promise<ServeRuntime> {
    const { ServeRuntime } = await messagingModule();
    return new ServeRuntime(this, opts);
  }

  /** User integrations; `await app.integrations.load()` discovers and loads them once. */
  get integrations(): Integrations {
    return this.once(
      'integrations',
      () =>
        new (serviceClass('Integrations'))({
          config: this.config,
          env: this.env,
          log: this.log,
          events: this.events,
          builtinTools: this.builtinToolNames,
          chatGrammar: messagingModule,
          addToolGuard: (guard) => this.toolGuards.push(guard),
          cursors: async () => new (await messagingModule()).DbCursors(this.db),
          forwardOriginEvents: async () => {
            const { forwardEvents, ORIGIN_EVENTS } = await messagingModule();
            this.onClose(forwardEvents(this, this.messaging, ORIGIN_EVENTS));
          },
          onClose: (fn) => this.onClose(fn),
        }),
    );
  }

  /**
   * Starts the background engine (`ag engine`) that advances pipelines and delivers queued prompts
   * when no long-lived Aegis process runs; loaded only when needed (it is not part of a command's path).
   */
  private startEngine(): void {
    import('./sessions/index.js')
      .then(({ spawnEngine }) => spawnEngine({ env: this.env, home: this.config.home }))
      .catch((err) => this.log.warn('could not start the background engine', { error: (err as Error).message }));
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
