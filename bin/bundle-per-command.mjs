#!/usr/bin/env node
// The build step after tsc (`npm run bundle:per-command`): bundles src/cli/per-command.ts once per tool group into
// dist/per-command/<group>.cjs, one CommonJS file each, which bin/ag requires for a built-in tool command.
// One file per group, not ES chunks: as 24 ES chunks, the code of `ag memory get` cost about 20 ms more CPU than as
// one ES file (resolving, reading and linking each chunk), and that about 15 ms more than as CommonJS.
// A group's file holds its tool module and the App services it loads (TOOL_GROUPS in src/cli/per-command.ts),
// and not the other groups' tools or the other services: their dynamic imports are left out, and throw if a
// path reaches one anyway (test/unit/per-command-services.test.ts checks the lists).
import { build } from 'esbuild';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const { TOOL_GROUPS, SERVICE_IMPORTS } = await import(join(dist, 'cli', 'per-command.js'));

/** The dist/ module of each group's tools (src/tools/<group>.ts). */
const toolModule = (group) => join(dist, 'tools', `${group}.js`);
for (const group of Object.keys(TOOL_GROUPS)) if (!existsSync(toolModule(group))) throw new Error(`tool group ${group}: ${toolModule(group)} is missing`);

/** A plugin that leaves `leftOut` (dist/ paths) out of the bundle when they are imported dynamically. */
const leaveOut = (group, leftOut) => ({
  name: 'leave-out',
  setup(b) {
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const path = join(args.resolveDir, args.path);
      return leftOut.has(path) ? { path, namespace: 'left-out' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`internal: dist/${relative(dist, args.path)} is not in the ${group} per-command bundle: name the service that uses it in TOOL_GROUPS.${group}.services (src/cli/per-command.ts)`)});`,
      loader: 'js',
    }));
  },
});

rmSync(join(dist, 'per-command'), { recursive: true, force: true });
await Promise.all(
  Object.entries(TOOL_GROUPS).map(([group, { services }]) => {
    const leftOut = new Set([
      ...Object.keys(TOOL_GROUPS)
        .filter((other) => other !== group)
        .map(toolModule),
      ...Object.entries(SERVICE_IMPORTS)
        .filter(([service]) => !services.includes(service))
        .flatMap(([, modules]) => modules.map((m) => join(dist, m))),
    ]);
    return build({
      entryPoints: [join(dist, 'cli', 'per-command.js')],
      outfile: join(dist, 'per-command', `${group}.cjs`),
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      external: ['better-sqlite3', '@xterm/headless', 'tsx', 'yaml'],
      // CommonJS has no import.meta: the file's own URL stands in (src/db/open.ts, src/util/package-root.ts).
      banner: { js: "const __aegisModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': '__aegisModuleUrl' },
      plugins: [leaveOut(group, leftOut)],
      logLevel: 'warning',
    });
  }),
);
