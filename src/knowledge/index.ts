/** The knowledge area's front door: everything other code uses from src/knowledge/. */

export { GRAPH_PAGE_MAX, KnowledgeGraph } from './graph.js';
export { SEARCH_MAX } from './search.js';
export { INLINE_EXPORT_MAX_BYTES, exportJsonl, importJsonl } from './transfer.js';
export { KG_LIMITS } from './validate.js';
