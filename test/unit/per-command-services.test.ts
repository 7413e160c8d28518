import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServiceName } from '../../src/app-core.js';
import { SERVICE_IMPORTS, TOOL_GROUPS } from '../../src/cli/per-command.js';
import { ROOT } from '../helpers/env.js';

/**
 * The CLI's per-command path loads a tool group's module and only the App services its list names
 * (src/cli/per-command.ts); a service used but not loaded fails at run time. This reads the code each
 * group can reach (static and dynamic imports, not type-only ones) and finds every `app.<service>` in it.
 */
const SRC = join(ROOT, 'src');
const GROUP_MODULES: Record<string, string> = {
  system: 'tools/system.ts',
  sessions: 'tools/sessions.ts',
  worktrees: 'tools/worktrees.ts',
  pipelines: 'tools/pipelines.ts',
  memory: 'tools/memory.ts',
  knowledge: 'tools/knowledge.ts',
  messaging: 'tools/messaging.ts',
};
const SERVICE_MODULES: Record<ServiceName, string> = {
  sessions: 'sessions/service.ts',
  pipelines: 'pipelines/service.ts',
  messaging: 'messaging/service.ts',
  integrations: 'integrations/host.ts',
};
const IMPORT = /(?:^|\n)\s*(?:import|export)(?!\s+type\b)[^'"]*?from\s+'(\.[^']+)\.js'|import\('(\.[^']+)\.js'\)/g;
const SERVICE_USE = /\bapp\.(sessions|pipelines|messaging|integrations)\b/g;

/** Every source file reachable from `roots`, with the services each uses. */
function servicesUsed(roots: string[]): Map<ServiceName, string[]> {
  const used = new Map<ServiceName, string[]>();
  const seen = new Set<string>();
  const queue = roots.map((r) => join(SRC, r));
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(SERVICE_USE)) {
      const name = m[1] as ServiceName;
      used.set(name, [...(used.get(name) ?? []), relative(SRC, file)]);
    }
    for (const m of text.matchAll(IMPORT)) {
      const target = resolve(dirname(file), `${m[1] ?? m[2]}.ts`);
      if (existsSync(target)) queue.push(target);
    }
  }
  return used;
}

describe('per-command tool groups name the App services their code uses', () => {
  it('lists every group', () => {
    expect(Object.keys(TOOL_GROUPS).sort()).toEqual(Object.keys(GROUP_MODULES).sort());
  });

  for (const [group, module] of Object.entries(GROUP_MODULES)) {
    it(`${group}: every app.<service> its code reaches is loaded`, () => {
      const loaded = TOOL_GROUPS[group]!.services;
      const used = servicesUsed([module, ...loaded.map((s) => SERVICE_MODULES[s])]);
      const missing = [...used].filter(([name]) => !loaded.includes(name)).map(([name, files]) => `${name} (in ${[...new Set(files)].join(', ')})`);
      expect(missing).toEqual([]);
    });
  }

  // The build leaves a service's SERVICE_IMPORTS out of the bundles of the groups that do not load it
  // (bin/bundle-per-command.mjs): a dynamic import of the composition root missing from that list would be
  // bundled into every group, and one naming a module that is not there would leave nothing out.
  it("every dynamic import of the composition root is a tool group's module or in SERVICE_IMPORTS", () => {
    const known = new Set([...Object.values(GROUP_MODULES), ...Object.values(SERVICE_IMPORTS).flat()].map((m) => m.replace(/\.js$/, '.ts')));
    for (const module of Object.values(SERVICE_IMPORTS).flat()) expect(existsSync(join(SRC, module.replace(/\.js$/, '.ts'))), module).toBe(true);
    for (const file of ['app-core.ts', 'cli/program.ts', 'cli/per-command.ts']) {
      const text = readFileSync(join(SRC, file), 'utf8');
      const imported = [...text.matchAll(/import\('(\.[^']+)\.js'\)/g)].map((m) => relative(SRC, resolve(dirname(join(SRC, file)), `${m[1]}.ts`)));
      expect(imported.length, file).toBeGreaterThan(0);
      expect(
        imported.filter((m) => !known.has(m)),
        file,
      ).toEqual([]);
    }
  });

  it('finds a use where there is one (the check can fail)', () => {
    expect(servicesUsed([GROUP_MODULES.pipelines!]).has('pipelines')).toBe(true);
  });
});
