import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, makeTestEnv, ROOT } from '../helpers/env.js';
import { percentile, report } from './stats.js';

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

/** The floor of a command that lists sessions: `ag list` forks one tmux client. */
const TMUX_FLOOR = 'floor: node + 1 tmux fork';

/**
 * CPU (user + system, ms) of the whole process tree of `node ...args`: the command runs under bash, whose
 * `times` then prints what its children used (getrusage of the waited-for children, in ms), so the tmux
 * client a command forks counts too. The command's own output goes to /dev/null.
 */
function cpuOf(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', '"$@" >/dev/null 2>&1; times', 'bash', process.execPath, ...args], { env }, (err, stdout) => {
      if (err) return reject(err);
      // `times` prints the shell's own user and system time, then its children's: `0m0.210s 0m0.045s`.
      const children = stdout.trim().split('\n')[1] ?? '';
      const parts = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
      if (parts.length !== 2) return reject(new Error(`unexpected output of bash times: ${JSON.stringify(stdout)}`));
      resolve(parts[0]! + parts[1]!);
    });
  });
}

/**
 * CPU (user + system, whole process tree) of a fresh `ag` per command against `node -e 0` in the same
 * run, runs interleaved so load changes hit every command alike; the median of `runs` each. A command that
 * lists sessions forks one tmux client, so it has a floor of its own: `node -e 0` forking one.
 */
export async function benchCliCold(runs: number): Promise<void> {
  const t = makeTestEnv();
  const dir = mkdtempSync(join(tmpdir(), 'aegis-bench-cpu-'));
  writeFileSync(join(dir, 'sqlite-floor.mjs'), SQLITE_FLOOR(ROOT, join(t.home, 'aegis.db')));
  // A live tmux server on the private socket, so listing sessions talks to one as it does for a user.
  execFileSync('tmux', ['-L', t.socket, 'new-session', '-d', '-s', 'bench', 'sleep 86400'], { env: t.env });
  const tmuxFork = `require('node:child_process').spawnSync('tmux', ['-L', ${JSON.stringify(t.socket)}, 'list-panes', '-a'], { stdio: 'ignore' })`;
  const commands: [string, string[]][] = [
    ['floor: node -e 0', ['-e', '0']],
    ['floor: node + SQLite open + 1 query', [join(dir, 'sqlite-floor.mjs')]],
    [TMUX_FLOOR, ['-e', tmuxFork]],
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
    await cpuOf([BIN, 'list'], t.env); // creates the database once, outside the figures
    const samples = new Map<string, number[]>(commands.map(([name]) => [name, []]));
    for (let i = 0; i < runs; i++) for (const [name, args] of commands) samples.get(name)!.push(await cpuOf(args, t.env));
    const median = (name: string) => percentile(samples.get(name)!, 50);
    const floor = median('floor: node -e 0');
    report(`CLI cold start: CPU (user + sys) of one fresh process and its children, median of ${runs}, interleaved`, [
      ...commands.map(([name]): [string, string] => {
        const ms = median(name);
        const tmux = name === 'ag list' ? `, ${(ms / median(TMUX_FLOOR)).toFixed(2)}x node + 1 tmux fork` : '';
        return [name, `${ms.toFixed(1)} ms  ${(ms / floor).toFixed(2)}x node -e 0${tmux}${name.startsWith('floor') ? '' : '  (goal <= 1.5x)'}`];
      }),
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    t.cleanup();
  }
}
