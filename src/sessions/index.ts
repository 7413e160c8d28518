/** The sessions area's front door: everything other code uses from src/sessions/. */

export { type Observation } from './observer.js';
export { runEngine } from './engine.js';
export { spawnEngine } from './engine-spawn.js';
export { sessionResources } from './resources.js';
export { type CreateOptions, SessionService } from './service.js';
export { ENDED_STATES, type SessionRecord } from './store.js';
export { type DialogCheck } from './dialogs.js';
export { forgetTrustedFolder, listTrustedFolders, type TrustedFolder } from './trusted-folders.js';
