import { fileURLToPath } from 'node:url';

/**
 * The package root, where bin/, prompts/ and resources/ live: two levels above this code, which is in
 * src/util/, dist/util/ or a chunk of the bundle in dist/bundle/ (kept flat for this reason).
 */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
