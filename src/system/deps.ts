import type { Config } from '../config/load.js';
import type { Db } from '../db/open.js';
import type { Integrations } from '../integrations/index.js';
import type { MessagingService } from '../messaging/index.js';

/** What `ag doctor` (src/system/doctor.ts) inspects; the tool hands it the App, which has all of it. */
export interface DoctorDeps {
  config: Config;
  env: NodeJS.ProcessEnv;
  version: string;
  /** Opened by the database check itself, so a database that cannot open is reported, not thrown. */
  readonly db: Db;
  dbPath: string;
  /** The channels (configured or not) and whether an `ag serve` holds the sender lease. */
  readonly messaging: Pick<MessagingService, 'channels' | 'sender'>;
  readonly integrations: Pick<Integrations, 'load'>;
}
