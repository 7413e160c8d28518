/** The memory area's front door: everything other code uses from src/memory/. */

export { renderMemoryBlock } from './render.js';
export { normalizeScope } from './scope.js';
export { MEMORY_LIMITS, MemoryStore, checkKey } from './store.js';
