import { fileURLToPath } from 'node:url';

/** The package root (one level above src/ or dist/), where prompts/, resources/ and templates/ live. */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
