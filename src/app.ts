import { provideServices } from './app-core.js';
import { Integrations } from './integrations/index.js';
import { MessagingService } from './messaging/index.js';
import { PipelineService } from './pipelines/index.js';
import { SessionService } from './sessions/index.js';

// The App with every service: src/app-core.ts holds the class without importing the heavy services,
// so that the CLI's per-command path can run a memory or knowledge tool without loading them.
provideServices({ SessionService, PipelineService, MessagingService, Integrations });

export { App, type AppOptions } from './app-core.js';
