import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, makeTestEnv, ROOT } from '../helpers/env.js';
import { percentile, report } from './stats.js';

/**
 * Loaded into each measured process with --import: at exit it writes the process's own CPU time
 * (user + system, from process.resourceUsage) to the file named by AEGIS_BENCH_CPU_FILE, and it
 * removes itself from the environment so a process the command starts is not measured in its place.
 */
const REPORTER = `const file = process.env.AEGIS_BENCH_CPU_FILE;
delete process.env.AEGIS_BENCH_CPU_FILE;
delete process.env.NODE_OPTIONS;
process.on('exit', () => {
  const r = process.resourceUsage();
  require('node:fs').writeFileSync(file, String((r.userCPUTime + r.systemCPUTime) / 1000));
});
`;

/**
 * The second floor: what any command that reads the database cannot avoid. Node, better-sqlite3 loaded
 * the way the CLI loads it (required: CommonJS), the database opened as src/db/open.ts opens it (WAL,
 * pragmas, the migration check) and one query.
 */
const SQLITE_FLOOR = (root: string, db: string) => `import { createRequire } from 'node:module';
const Database = createRequire(${JSON.stringify(join(root, 'package.json'))})('better-sqlite3');
const db = new Database(${JSON.stringify(db)}, { timeout: 10000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('foreign_keys = ON');
db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
db.prepare('SELECT version FROM schema_migrations').all();
db.prepare('SELECT value FROM memory_entries WHERE key = ?').get('k');
db.close();
`;

function cpuOf(args: string[], env: Record<string, string>, dir: string): Promise<number> {
  const file = join(dir, `cpu-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      env: { ...env, AEGIS_BENCH_CPU_FILE: file, NODE_OPTIONS: `--require ${join(dir, 'reporter.cjs')}` },
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', async () => {
      try {
        resolve(Number((await import('node:fs')).readFileSync(file, 'utf8')));
      } catch (err) {
        reject(err);
      }
    });
  });
}

/**
 * CPU (user + system) of a fresh `ag` per command against `node -e 0` in the same run, runs
 * interleaved so load changes hit every command alike; the median of `runs` each.
 */
export async function benchCliCold(runs: number): Promise<void> {
  const t = makeTestEnv();
  const dir = mkdtempSync(join(tmpdir(), 'aegis-bench-cpu-'));
  writeFileSync(join(dir, 'reporter.cjs'), REPORTER);
  writeFileSync(join(dir, 'sqlite-floor.mjs'), SQLITE_FLOOR(ROOT, join(t.home, 'aegis.db')));
  const commands: [string, string[]][] = [
    ['floor: node -e 0', ['-e', '0']],
    ['floor: node + SQLite open + 1 query', [join(dir, 'sqlite-floor.mjs')]],
    ['ag --version', [BIN, '--version']],
    ['ag --help', [BIN, '--help']],
    ['ag session --help', [BIN, 'session', '--help']],
    ['ag list', [BIN, 'list']],
    ['ag session get x', [BIN, 'session', 'get', 'x']],
    ['ag memory get k', [BIN, 'memory', 'get', 'k']],
    ['ag memory get a/b', [BIN, 'memory', 'get', 'a/b']],
    ['ag kg search x', [BIN, 'kg', 'search', 'x']],
  ];
  try {
    await cpuOf([BIN, 'list'], t.env, dir); // creates the database once, outside the figures
    const samples = new Map<string, number[]>(commands.map(([name]) => [name, []]));
    for (let i = 0; i < runs; i++) for (const [name, args] of commands) samples.get(name)!.push(await cpuOf(args, t.env, dir));
    const floor = percentile(samples.get('floor: node -e 0')!, 50);
    report(`CLI cold start: CPU (user + sys) of one fresh process, median of ${runs}, interleaved`, [
      ...commands.map(([name]): [string, string] => {
        const ms = percentile(samples.get(name)!, 50);
        return [name, `${ms.toFixed(1)} ms  ${(ms / floor).toFixed(2)}x node -e 0${name.startsWith('floor') ? '' : '  (goal <= 1.5x)'}`];
      }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    t.cleanup();
  }
}
