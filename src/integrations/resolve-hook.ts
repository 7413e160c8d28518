/**
 * Module resolve hook for integration files, registered with node:module `register()` (it runs in
 * Node's loader thread). It does two things:
 *
 * - `import ... from 'aegis-agents'` resolves to the running Aegis's own entry point, wherever the
 *   integration folder lives: no install, and integrations share this process's zod and defineTool.
 * - `.js` and `.ts` files inside integration folders load as ES modules even when the folder has no
 *   package.json (or a `"type": "commonjs"` one): integrations are ES modules by contract, and tsx
 *   would otherwise compile an untyped `.ts` file to CommonJS, where this hook cannot map the import.
 */
import type { InitializeHook, ResolveHook } from 'node:module';

export interface HookData {
  /** file: URL of dist/index.js. */
  entry: string;
  /** file: URLs of the folders whose files are integration code, each ending in '/'. */
  roots: string[];
}

let data: HookData = { entry: '', roots: [] };

export const initialize: InitializeHook<HookData> = (d) => {
  data = d;
};

const CODE_FILE = /\.(js|ts|mts)$/;

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  if (specifier === 'aegis-agents') return { url: data.entry, format: 'module', shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  const { url } = resolved;
  const ours =
    url.startsWith('file:') && CODE_FILE.test(new URL(url).pathname) && !url.includes('/node_modules/') && data.roots.some((root) => url.startsWith(root));
  return ours ? { ...resolved, format: 'module' } : resolved;
};
