/** Creating a session: checks, its worktree, the pane, the record and its first prompt in the queue. */
import { randomUUID } from 'node:crypto';
import { realpathSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MODEL_FIX, MODEL_NAME, type AgentName } from '../agents/names.js';
import type { LaunchPlan } from '../agents/profile.js';
import { PROFILES } from '../agents/registry.js';
import { acquireLease, newHolder, releaseLease } from '../db/lease.js';
import { AegisError, invalidInput } from '../errors.js';
import type { SendResult, SessionCore } from './core.js';
import { checkMaxLive } from './guards.js';
import { isFolderTrusted } from './trusted-folders.js';
import type { Budget } from '../usage/index.js';
import { mkdirPrivate, PRIVATE_DIR, tighten } from '../util/private-files.js';
import type { SessionRecord } from './store.js';
import { checkText } from '../terminal/typed-text.js';
import { which } from '../util/which.js';

export interface CreateOptions {
  workDir: string;
  prompt?: string;
  agent: AgentName;
  command?: string[];
  name?: string;
  permissionMode?: string;
  model?: string;
  env?: Record<string, string>;
  reuse?: boolean;
  /** Text put in front of the prompt (e.g. a memory block). */
  preamble?: string;
  /** Start in a new git worktree of workDir's repository (default: config sessions.worktree). */
  worktree?: boolean;
  /** The worktree's new branch (default aegis/<name>) and what it starts from (default workDir's branch). */
  branch?: string;
  baseRef?: string;
  budget?: Budget;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const nameExists = (name: string) =>
  new AegisError('conflict', `a session named "${name}" exists`, { field: 'name', fix: 'pick another name, or omit it for a generated one' });

/** The lease creates take turns on while sessions.maxLive is set; how long one may hold it and others wait. */
const CREATE_LEASE = 'session-create';
const CREATE_TURN_TTL_MS = 60_000;
const CREATE_TURN_WAIT_MS = 90_000;
const CREATE_TURN_POLL_MS = 25;

/** Starts an agent in a new pane (or reuses an idle one with opts.reuse) and records it; the prompt is queued. */
export async function createSession(core: SessionCore, opts: CreateOptions): Promise<{ session: SessionRecord; reused: boolean; message?: SendResult }> {
  const workDir = checkWorkDir(opts.workDir);
  const profile = PROFILES[opts.agent];
  if (opts.agent === 'custom' && !opts.command?.length)
    throw invalidInput('command', 'agent "custom" needs a command', 'pass command as an argv array, e.g. ["aider", "--yes"]');
  if (opts.model !== undefined && !MODEL_NAME.test(opts.model)) throw invalidInput('model', `"${opts.model}" is not a model name`, MODEL_FIX);
  for (const key of Object.keys(opts.env ?? {})) {
    if (!ENV_KEY.test(key))
      throw invalidInput(`env.${key}`, `"${key}" is not a valid environment variable name`, 'use letters, digits and _ only, not starting with a digit');
  }
  const prompt = opts.prompt !== undefined ? checkText('prompt', opts.preamble ? `${opts.preamble}\n\n${opts.prompt}` : opts.prompt) : undefined;

  if (opts.reuse) {
    const idle = core.store.list({ states: ['idle'], workDir, agent: opts.agent, limit: 1, offset: 0 }).sessions[0];
    if (idle) {
      const message = prompt ? await core.send(idle.id, prompt) : undefined;
      return { session: core.store.get(idle.id)!, reused: true, message };
    }
  }

  const id = randomUUID();
  const name = opts.name ?? `${opts.agent}-${id.slice(0, 8)}`;
  if (!NAME.test(name)) throw invalidInput('name', `"${name}" is not a valid session name`, 'use 1-64 letters, digits, . _ - starting with a letter or digit');
  if (core.store.nameTaken(name)) throw nameExists(name);
  // Checked and recorded as one step (across processes too), so creates that race cannot pass the limit together.
  const { cwd, now } = await createTurn(core, async () => {
    checkMaxLive(core.store, core.deps.config.get('sessions.maxLive'));
    const wantWorktree = opts.worktree ?? core.deps.config.get('sessions.worktree');
    if (!wantWorktree && (opts.branch || opts.baseRef))
      throw invalidInput(
        opts.branch ? 'branch' : 'baseRef',
        `${opts.branch ? 'branch' : 'baseRef'} is only used with worktree: true`,
        'add worktree: true, or leave it out',
      );
    const sessionWorktrees = wantWorktree ? core.store.withWorktree().map((s) => s.worktree!) : [];
    const made = wantWorktree ? await core.worktrees.create(workDir, name, { branch: opts.branch, baseRef: opts.baseRef }, sessionWorktrees) : undefined;
    const worktree = made?.worktree;
    // The agent starts in its worktree (in workDir's folder there): that is its work folder from now on.
    const cwd = made?.startDir ?? workDir;

    const dataDir = join(core.deps.config.home, 'sessions', id);
    mkdirPrivate(dataDir);
    // An older Aegis made the folder 0755, so the session folders it made are open to others.
    tighten(join(dataDir, '..'), PRIVATE_DIR);
    const permissionMode = opts.permissionMode ?? core.deps.config.get('sessions.defaultPermissionMode');
    const plan = profile.launch({
      sessionId: id,
      workDir: cwd,
      dataDir,
      permissionMode,
      model: opts.model,
      env: opts.env ?? {},
      command: opts.command,
      config: core.deps.config,
      baseEnv: core.deps.env,
      // A worktree Aegis makes of a folder you trusted holds that repository's files: it is trusted with it.
      workDirTrusted:
        core.deps.config.get('agents.trustWorkFolders') || isFolderTrusted(core.deps.db, cwd) || (!!worktree && isFolderTrusted(core.deps.db, workDir)),
    });
    let pane;
    try {
      checkProgram(opts.agent, plan, plan.env.PATH ?? (await core.tmux.globalVariable('PATH')) ?? core.deps.env.PATH, cwd);
      // Tagged with this process: should it be killed before the record below, the sweep closes the pane.
      pane = await core.tmux.createWindow({ aegisId: id, name, cwd, env: { ...plan.env, AEGIS_SESSION_ID: id }, argv: plan.argv, creator: core.holder });
    } catch (err) {
      if (worktree) await core.worktrees.release(worktree, { keepUnmerged: true }).catch(() => undefined);
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
    const now = Date.now();
    const record: SessionRecord = {
      id,
      name,
      agent: opts.agent,
      argv: plan.argv,
      workDir: cwd,
      permissionMode,
      model: opts.model,
      state: 'starting',
      stateSince: now,
      lastActivity: now,
      tmuxWindow: pane.windowId,
      tmuxPane: pane.paneId,
      panePid: pane.pid,
      agentSessionId: plan.agentSessionId,
      transcriptPath: plan.transcriptPath,
      hooksFile: plan.hooksFile,
      initialPrompt: prompt,
      promptDelivered: false,
      createdAt: now,
      worktree,
      budget: opts.budget,
      budgetNotified: 0,
    };
    try {
      core.store.insert(record);
    } catch (err) {
      // Another process took the name between the check above and now: its session stands; this
      // pane and worktree must not outlive the refusal.
      await core.tmux.killWindow(pane.windowId).catch(() => undefined);
      if (worktree) await core.worktrees.release(worktree, { keepUnmerged: true }).catch(() => undefined);
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE' && core.store.nameTaken(name)) throw nameExists(name);
      throw err;
    }
    core.store.setState(id, 'starting', now, 'create');
    // Recorded now: no longer a leftover a later create of this name would clear. Should the unlock
    // fail, the session stands; prune lifts Aegis's own lock when it removes the worktree.
    if (worktree)
      await core.worktrees.created(worktree).catch((err: Error) => core.deps.log.warn('could not unlock a new worktree', { session: id, error: err.message }));
    return { cwd, now };
  });
  let message: SendResult | undefined;
  if (prompt) {
    const m = core.store.enqueue(id, prompt, now);
    message = { status: 'queued', messageId: m.id, position: 1 };
  }
  core.deps.events.emit('session_created', { sessionId: id, name, agent: opts.agent, workDir: cwd });
  if (core.running()) await core.monitor.watch(id);
  else core.ensureWatcher();
  return { session: core.store.get(id)!, reused: false, message };
}

/**
 * Runs one create's check-and-record while no other create does, in any process sharing the database,
 * when `sessions.maxLive` is set: otherwise creates started together (a batch, two servers) all count
 * the same live sessions before any has recorded its own. The turn is a lease, so a creator killed
 * mid-way is passed over at once.
 */
async function createTurn<T>(core: SessionCore, fn: () => Promise<T>): Promise<T> {
  if (!core.deps.config.get('sessions.maxLive')) return fn();
  const holder = newHolder();
  const deadline = Date.now() + CREATE_TURN_WAIT_MS;
  while (!acquireLease(core.deps.db, CREATE_LEASE, holder, CREATE_TURN_TTL_MS)) {
    if (Date.now() > deadline)
      throw new AegisError('unavailable', `another session create held its turn for over ${CREATE_TURN_WAIT_MS / 1000} s`, {
        fix: 'try again; if it keeps happening, check `ag doctor` (tmux may be stuck)',
      });
    await new Promise((r) => setTimeout(r, CREATE_TURN_POLL_MS));
  }
  try {
    return await fn();
  } finally {
    releaseLease(core.deps.db, CREATE_LEASE, holder);
  }
}

/**
 * The agent's program must exist on the PATH its pane gets (the session's own, else the tmux server's,
 * which a new pane inherits): otherwise the pane would only print "command not found" and close, and the
 * session read as exited with its first prompt never delivered, after a create that had answered `starting`.
 */
function checkProgram(agent: AgentName, plan: LaunchPlan, path: string | undefined, cwd: string): void {
  if (which(plan.program, { PATH: path }, cwd)) return;
  const what = plan.program.includes('/') ? `"${plan.program}" is not an executable file` : `"${plan.program}" is not on PATH`;
  if (agent === 'custom') throw invalidInput('command', `the command's program ${what}`, 'pass an installed program (on PATH) or its full path as command[0]');
  if (agent === 'shell') throw new AegisError('unavailable', `the shell ${what}`, { field: 'agent', fix: 'set SHELL to an installed shell' });
  throw new AegisError('unavailable', `${agent}'s executable ${what}`, {
    field: 'agent',
    fix: `install it, or set agents.${agent}.command (AEGIS_${agent.toUpperCase()}_COMMAND) to its full path; \`ag doctor\` checks every agent`,
  });
}

function checkWorkDir(dir: string): string {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw invalidInput('workDir', `workDir ${dir} does not exist`, 'pass an existing folder (absolute path), or create it first');
  }
  if (!st.isDirectory()) throw invalidInput('workDir', `workDir ${dir} is not a folder`, 'pass the project folder, not a file');
  // Agents key their state on the physical path (Claude Code's trust and transcript folders).
  return realpathSync(dir);
}
