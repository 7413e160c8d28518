import { fileURLToPath } from 'node:url';
import { geminiVersion } from '../agents/gemini/version.js';
import { PROFILES } from '../agents/registry.js';
import { maskSetting } from '../config/load.js';
import { integrationChecks } from './integration-checks.js';
import { holderProcess } from '../db/lease.js';
import { latestSchemaVersion, schemaVersion } from '../db/open.js';
import { unicodeNameChanges } from '../db/migrations/012-unicode-names.js';
import { listTrustedFolders } from '../sessions/index.js';
import { tmuxVersion } from '../tmux/command.js';
import { agentBaseEnv } from '../agents/env.js';
import { run } from '../util/exec.js';
import { which } from '../util/which.js';
import type { Check } from './checks.js';
import type { DoctorDeps } from './deps.js';

const MIN_NODE = 20;
const MIN_TMUX = { major: 3, minor: 2 };
/** The agents that are programs of their own, checked one by one (shell needs nothing). */
const AGENT_CLIS = ['claude', 'codex', 'gemini'] as const;

function nodeCheck(): Check {
  const major = Number(process.versions.node.split('.')[0]);
  return {
    name: 'node',
    ok: major >= MIN_NODE,
    required: true,
    detail: `v${process.versions.node}`,
    fix: major >= MIN_NODE ? undefined : `install Node.js ${MIN_NODE} or newer`,
  };
}

async function tmuxCheck(deps: DoctorDeps): Promise<Check> {
  const command = deps.config.get('tmux.command');
  const v = await tmuxVersion(command).catch(() => undefined);
  if (!v)
    return {
      name: 'tmux',
      ok: false,
      required: true,
      detail: `${command} not found`,
      fix: 'install tmux >= 3.2 (`apt-get install tmux`, `brew install tmux`), or set AEGIS_TMUX',
    };
  const ok = v.major > MIN_TMUX.major || (v.major === MIN_TMUX.major && v.minor >= MIN_TMUX.minor);
  return {
    name: 'tmux',
    ok,
    required: true,
    detail: `${v.text} (socket -L ${deps.config.get('tmux.socket')})`,
    fix: ok ? undefined : 'upgrade tmux to 3.2 or newer (needed for new-session -e and control mode)',
  };
}

/** Agent CLIs are optional one by one: a missing one only matters if you want that agent. */
async function agentCheck(deps: DoctorDeps, agent: (typeof AGENT_CLIS)[number]): Promise<Check> {
  const command = deps.config.get(`agents.${agent}.command`);
  const path = which(command, deps.env);
  if (!path) {
    return {
      name: `agent ${agent}`,
      ok: false,
      required: false,
      detail: `${command} not on PATH`,
      fix: `install it, or set AEGIS_${agent.toUpperCase()}_COMMAND to its path`,
    };
  }
  // Gemini CLI's --version can take over 10 s; its package says the same at once.
  const known = agent === 'gemini' ? await geminiVersion(path, deps.env) : undefined;
  const r = known
    ? { exitCode: 0, stdout: known, stderr: '' }
    : await run(path, ['--version'], { timeoutMs: 10_000, env: { ...agentBaseEnv(deps.env), DISABLE_AUTOUPDATER: '1' } });
  const version = (r.stdout || r.stderr).split('\n')[0]?.trim() || ('timedOut' in r && r.timedOut ? 'no answer in 10 s' : 'unknown version');
  if (r.exitCode !== 0)
    return { name: `agent ${agent}`, ok: false, required: false, detail: `${path}: ${version}`, fix: `\`${path} --version\` failed; reinstall it` };
  // Screen rules per release: say which set this version gets (the agent's profile decides).
  const agentVersion = /\d+\.\d+\.\d+/.exec(version)?.[0];
  const rules = PROFILES[agent].rulesFor?.(agentVersion);
  return {
    name: `agent ${agent}`,
    ok: true,
    required: false,
    detail: `${path}: ${version}${rules ? `; screen ${rules.note}` : ''}`,
    agentVersion,
    rules: rules?.rules,
    rulesExact: rules?.exact,
  };
}

function databaseCheck(deps: DoctorDeps): Check {
  try {
    const db = deps.db;
    // A write inside a rolled-back transaction proves the file is writable without leaving a trace.
    const probe = db.transaction(() => {
      db.prepare("INSERT INTO leases(name, holder, expires_at) VALUES ('doctor-probe', 'doctor', 0)").run();
      throw new Error('rollback');
    });
    try {
      probe();
    } catch (err) {
      if ((err as Error).message !== 'rollback') throw err;
    }
    const version = schemaVersion(db);
    const latest = latestSchemaVersion();
    const ok = version === latest;
    return {
      name: 'database',
      ok,
      required: true,
      detail: [
        `${deps.dbPath} (schema version ${version}${ok ? '' : `, expected ${latest}`}, journal ${db.pragma('journal_mode', { simple: true })})`,
        unicodeNameChanges(db),
      ]
        .filter(Boolean)
        .join('\n'),
      fix: ok ? undefined : 'a newer Aegis wrote this database; upgrade Aegis or point AEGIS_HOME elsewhere',
    };
  } catch (err) {
    return {
      name: 'database',
      ok: false,
      required: true,
      detail: (err as Error).message,
      fix: `make ${deps.config.home} writable, or set AEGIS_HOME to a writable folder`,
    };
  }
}

/**
 * Which work folders' own agent config (MCP server commands, hooks) Codex and Gemini CLI load: the ones
 * remembered as trusted, or every one. Informational: someone checking what may run on this machine
 * learns where the list is and how to shorten it.
 */
function folderTrustCheck(deps: DoctorDeps): Check {
  const name = 'folder trust';
  if (deps.config.get('agents.trustWorkFolders'))
    return { name, ok: true, required: false, detail: 'agents.trustWorkFolders is on: every work folder starts trusted, never asking' };
  try {
    const count = listTrustedFolders(deps.db).length;
    const detail = count
      ? `${count} work folder${count === 1 ? '' : 's'} remembered as trusted (ag trust list; ag trust forget <folder> takes one back)`
      : 'no work folder remembered as trusted: Codex and Gemini CLI ask in each new folder';
    return { name, ok: true, required: false, detail };
  } catch (err) {
    // The database check reports why it cannot be read.
    return { name, ok: false, required: false, detail: `not read: ${(err as Error).message}` };
  }
}

function configCheck(deps: DoctorDeps): Check {
  const [first, ...more] = deps.config.problems;
  if (first) {
    // The rest of the diagnosis ran on defaults in place of what could not be read.
    const detail = [first, ...more].map((p) => p.message).join('\n');
    return { name: 'config', ok: false, required: true, detail: `${detail}\n(the other checks used the defaults instead)`, fix: first.fix };
  }
  const lines = [...deps.config.settings.values()].filter((s) => s.source !== 'unset').map((s) => `${s.key}=${JSON.stringify(maskSetting(s))} (${s.source})`);
  return { name: 'config', ok: true, required: true, detail: `${deps.config.configFile}\n${lines.join('\n')}` };
}

async function channelChecks(deps: DoctorDeps): Promise<Check[]> {
  const channels = await deps.messaging.channels();
  const checks = channels.map(({ name, integration, adapter, missing }): Check => {
    if (!adapter) return { name: `channel ${name}`, ok: true, required: false, detail: `not configured (unset: ${missing.join(', ')})` };
    // What the adapter itself sees wrong with the setup (no allowed senders, unsigned webhooks...).
    const problems = adapter.describe().problems ?? [];
    const detail = integration ? `configured (integration ${integration})` : 'configured';
    return { name: `channel ${name}`, ok: problems.length === 0, required: false, detail, fix: problems.length ? problems.join('; ') : undefined };
  });
  return [...checks, serveCheck(deps, channels.filter((c) => c.adapter).length)];
}

/**
 * Whether an `ag serve` is sending: without one, configured channels receive nothing, notifications
 * and event webhooks wait in the outbox. Read from the sender lease (its holder names the process).
 */
function serveCheck(deps: DoctorDeps, channels: number): Check {
  if (!channels) return { name: 'ag serve', ok: true, required: false, detail: 'not needed: no channel is configured' };
  const holder = deps.messaging.sender();
  if (holder)
    return {
      name: 'ag serve',
      ok: true,
      required: false,
      detail: `running (pid ${holderProcess(holder)?.pid ?? '?'}): polling, webhooks, notifications and the outbox are live`,
    };
  return {
    name: 'ag serve',
    ok: false,
    required: false,
    detail: 'not running: chat messages are not received, and notifications and event webhooks wait in the outbox',
    fix: 'run `npx ag serve` (under a supervisor such as systemd to keep it up)',
  };
}

/** Spawns `ag mcp` like an MCP host would, initializes it and lists its tools. */
async function mcpSelfTest(deps: DoctorDeps): Promise<Check> {
  const started = performance.now();
  const [{ Client }, { StdioClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  const bin = fileURLToPath(new URL('../../bin/ag', import.meta.url));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, 'mcp'],
    env: Object.fromEntries(Object.entries(deps.env).filter((e): e is [string, string] => e[1] !== undefined)),
    stderr: 'pipe',
  });
  const client = new Client({ name: 'ag-doctor', version: deps.version });
  try {
    await client.connect(transport);
    const { tools } = await client.listTools();
    return {
      name: 'mcp self-test',
      ok: tools.length > 0,
      required: true,
      detail: `ag mcp answered tools/list with ${tools.length} tools in ${Math.round(performance.now() - started)} ms`,
    };
  } catch (err) {
    return {
      name: 'mcp self-test',
      ok: false,
      required: true,
      detail: (err as Error).message,
      fix: 'run `ag mcp` by hand and read its stderr; rebuild with `npm run build`',
    };
  } finally {
    await client.close().catch(() => {});
  }
}

/** Runs every check; the slow ones (spawning processes) run in parallel. */
export async function runDoctor(deps: DoctorDeps): Promise<Check[]> {
  const [tmuxC, mcp, ...agents] = await Promise.all([tmuxCheck(deps), mcpSelfTest(deps), ...AGENT_CLIS.map((a) => agentCheck(deps, a))]);
  return [
    nodeCheck(),
    tmuxC,
    ...agents,
    databaseCheck(deps),
    folderTrustCheck(deps),
    configCheck(deps),
    ...(await channelChecks(deps)),
    ...(await integrationChecks(deps.integrations)),
    mcp,
  ];
}
