/** The system area's front door: everything other code uses from src/system/. */

export { type Check } from './checks.js';
export { areaCounts } from './counts.js';
export { runDoctor } from './doctor.js';
export { HOST_ONE_LINERS, listTemplates, mergeMcpJson, scaffoldTemplate, writeStarterConfig } from './init.js';
