/**
 * The import rules CI holds the code to (`npm run check:deps`, in .ci/run), one direction:
 *   interfaces (src/cli, src/mcp, the chat router) → tools (src/tools) → the composition root
 *   (src/app*.ts) → areas (their services) → infrastructure (tmux, terminal, db, channels, agents, config,
 *   util, render).
 * Every area is entered through its front door (index.ts), and there are no cycles: any violation
 * fails CI (no baseline). README's "Architecture" section names each area's front door.
 */
const INFRA = '^src/(tmux|terminal|db|channels|agents|config|util|render)/|^src/(errors|events|version)\\.ts$';
const AREAS = '^src/(sessions|pipelines|memory|knowledge|messaging|integrations|worktrees|usage|system)/|^src/content/';
const ROOT = '^src/app[^/]*\\.ts$';
const INTERFACES = '^src/(cli|mcp)/|^src/index\\.ts$';
/** Areas that have a front door (index.ts): from outside, only it may be imported. */
const FRONT_DOORS = ['sessions', 'pipelines', 'memory', 'knowledge', 'messaging', 'integrations', 'worktrees', 'usage', 'system', 'content'];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type imports included (migrations import their list by design).',
      severity: 'error',
      from: { pathNot: '^src/db/migrations/' },
      to: { circular: true },
    },
    {
      name: 'infrastructure-stays-down',
      comment: 'Infrastructure (tmux, terminal, db, channels, agents, config, util) knows no area, tool, interface or the root.',
      severity: 'error',
      from: { path: INFRA },
      to: { path: [AREAS, '^src/tools/', INTERFACES, ROOT] },
    },
    {
      name: 'areas-stay-below-tools',
      comment: 'An area service gets what it uses from the composition root; it never imports tools, interfaces or the root.',
      severity: 'error',
      from: { path: AREAS },
      to: { path: ['^src/tools/', INTERFACES, ROOT] },
    },
    {
      name: 'tools-below-interfaces',
      comment: 'Tools are called by the interfaces, never the other way round.',
      severity: 'error',
      from: { path: '^src/tools/' },
      to: { path: INTERFACES },
    },
    ...FRONT_DOORS.map((area) => ({
      name: `front-door-${area}`,
      comment: `From outside src/${area}/, only src/${area}/index.ts is imported.`,
      severity: 'error',
      from: { path: '^src/', pathNot: `^src/${area}/` },
      to: { path: `^src/${area}/`, pathNot: `^src/${area}/index\\.ts$` },
    })),
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
