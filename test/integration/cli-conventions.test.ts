import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/cli.js';
import { BIN, makeTestEnv, ROOT, type TestEnv } from '../helpers/env.js';
import { FAKE_CLAUDE } from '../helpers/sessions.js';

/** Runs `ag` on a pseudo-terminal (util-linux `script`), the way a person at a terminal sees it. */
function runOnTty(args: string[], env: Record<string, string>): Promise<CliRun> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return new Promise((resolve) => {
    execFile('script', ['-qec', command, '/dev/null'], { env: { ...env, COLUMNS: '200' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout: stdout.replace(/\r\n/g, '\n'), stderr });
    });
  });
}

/** A line `key:` with nothing after it is an empty field, which no human output may print. */
const emptyFields = (out: string) => out.split('\n').filter((l) => /^[\w.]+:\s*$/.test(l));

/** The top-level command names `ag --help` lists, by group heading. */
function helpGroups(help: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of help.split('\n')) {
    if (/^\S.*:$/.test(line) && !line.startsWith('Usage')) groups.set(line, (current = []));
    else if (current && /^ {2}[a-z]/.test(line)) current.push(line.trim().split(/\s+/)[0]!);
  }
  return groups;
}

describe('ag as a person uses it: one shape, facts in the output, TTY-aware', () => {
  let t: TestEnv;
  let workDir: string;
  let agentHome: string;
  let id: string;
  beforeAll(async () => {
    t = makeTestEnv({ AEGIS_CLAUDE_COMMAND: FAKE_CLAUDE });
    workDir = mkdtempSync(join(tmpdir(), 'aegis-cliconv-work-'));
    agentHome = mkdtempSync(join(tmpdir(), 'aegis-cliconv-home-'));
    const created = await runCli(['create', '--work-dir', workDir, '--env', `HOME=${agentHome}`, '--name', 'conv-one', '--json'], t.env);
    expect(created.code, created.stderr).toBe(0);
    id = (JSON.parse(created.stdout) as { id: string }).id;
    const waited = await runCli(['wait', id, '--states', 'idle', '--json'], t.env);
    expect(waited.code, waited.stderr).toBe(0);
  });
  afterAll(() => t.cleanup());

  it('every session command takes the id (or name, or a prefix) as its first argument', async () => {
    const help = await runCli(['session', '--help'], t.env);
    const verbs = help.stdout
      .split('\n')
      .filter((l) => /^ {2}[a-z]/.test(l))
      .map((l) => l.trim().split(/\s+/));
    const acting = verbs.filter(([verb]) => !['create', 'batch-create', 'list', 'help'].includes(verb!));
    expect(acting.length).toBeGreaterThan(10);
    for (const [verb, first] of acting) expect(first, `ag session ${verb}`).toBe('<id>');
    // The short forms too: every core command that acts on one session names it first.
    const top = await runCli(['--help'], { ...t.env, COLUMNS: '80' });
    const core = helpGroups(top.stdout).get([...helpGroups(top.stdout).keys()].find((h) => h.startsWith('Core'))!)!;
    const coreActing = core.filter((verb) => !['create', 'list', 'watch'].includes(verb));
    expect(coreActing).toEqual(expect.arrayContaining(['send', 'read', 'pane', 'approve', 'reject', 'answer', 'interrupt', 'kill', 'wait', 'summary']));
    for (const verb of coreActing) expect(top.stdout, `ag ${verb}`).toMatch(new RegExp(`^ {2}${verb} <id>`, 'm'));

    for (const ref of [id, id.slice(0, 6), 'conv-one']) {
      const got = await runCli(['session', 'get', ref, '--json'], t.env);
      expect(got.code, got.stderr).toBe(0);
      expect((JSON.parse(got.stdout) as { id: string }).id).toBe(id);
    }
    const health = await runCli(['session', 'health', 'conv-one'], t.env);
    expect(health.code, health.stderr).toBe(0);
    expect(health.stdout).toContain('alive: true');
  });

  it('a Bash permission prompt: wait, approve, read and summary print the facts and no empty field', async () => {
    const file = join(workDir, 'made-by-bash.txt');
    const sent = await runCli(['send', id, `RUN echo cli > ${file}`], t.env);
    expect(sent.code, sent.stderr).toBe(0);

    const waited = await runCli(['wait', id, '--states', 'permission_prompt'], t.env);
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.stdout).toContain(`dialog: permission Bash: echo cli > ${file}`);
    expect(emptyFields(waited.stdout)).toEqual([]);

    const sessionGet = await runCli(['session', 'get', id], t.env);
    expect(sessionGet.stdout).toContain(`dialog: permission Bash: echo cli > ${file}`);
    expect(emptyFields(sessionGet.stdout)).toEqual([]);

    const approved = await runCli(['approve', id], t.env);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`approved: permission Bash: echo cli > ${file}`);
    expect(approved.stdout).not.toMatch(/approved\.\w+:/);
    expect(emptyFields(approved.stdout)).toEqual([]);

    expect((await runCli(['wait', id, '--states', 'idle'], t.env)).code).toBe(0);
    expect(existsSync(file)).toBe(true);

    // Piped: one turn a line, tab-separated: id, time, role, what it says (the tool and its command).
    const read = await runCli(['read', id], t.env);
    expect(read.code, read.stderr).toBe(0);
    const rows = read.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(rows.every((r) => r.length === 4)).toBe(true);
    expect(rows.find((r) => r[2] === 'tool_call')?.[3]).toBe(`Bash echo cli > ${file}`);
    expect(rows.find((r) => r[2] === 'tool_result')?.[3]).not.toBe('');
    // On a terminal: aligned, results shown under their call.
    const readTty = await runOnTty(['read', id], { ...t.env, NO_COLOR: '1' });
    expect(readTty.stdout).toMatch(new RegExp(`\\d\\d:\\d\\d:\\d\\d tool +Bash echo cli > ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(readTty.stdout).toMatch(/\d\d:\d\d:\d\d result +\S/);
    expect(readTty.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d \S+\s*$/.test(l))).toEqual([]);

    const summary = await runCli(['summary', id, '--json'], t.env);
    expect((JSON.parse(summary.stdout) as { files: string[] }).files).toContain(file);
    const summaryText = await runCli(['summary', id], t.env);
    expect(summaryText.stdout).toContain(`files: ${file}`);
    expect(emptyFields(summaryText.stdout)).toEqual([]);
  });

  it('tables: tab-separated rows without header in a pipe, aligned with a header on a terminal, colour only without NO_COLOR', async () => {
    const piped = await runCli(['list'], t.env);
    expect(piped.code).toBe(0);
    const line = piped.stdout.trim().split('\n');
    expect(line).toHaveLength(1);
    expect(line[0]!.split('\t').slice(0, 3)).toEqual([id, 'conv-one', 'claude']);

    const tty = await runOnTty(['list'], { ...t.env, NO_COLOR: '1' });
    expect(tty.stdout).toMatch(/^ID\s+NAME\s+AGENT\s+STATE/m);
    expect(tty.stdout).toContain(`${id.slice(0, 8)}  conv-one`);
    expect(tty.stdout).toContain('1 of 1');
    expect(tty.stdout).not.toContain('\x1b[');
    const coloured = await runOnTty(['list'], t.env);
    expect(coloured.stdout).toContain('\x1b[1mID');

    const json = await runCli(['list', '--json'], t.env);
    expect((JSON.parse(json.stdout) as { sessions: { id: string }[] }).sessions[0]!.id).toBe(id);
  });

  it('a map flag whose values are numbers takes KEY=value as numbers (--budget tokens=1000 usd=2.5)', async () => {
    const created = await runCli(['create', '--agent', 'shell', '--work-dir', workDir, '--budget', 'tokens=1000', '--budget', 'usd=2.5', '--json'], t.env);
    expect(created.code, created.stderr).toBe(0);
    const made = JSON.parse(created.stdout) as { id: string };
    const got = await runCli(['session', 'get', made.id, '--json'], t.env);
    expect((JSON.parse(got.stdout) as { budget?: unknown }).budget).toMatchObject({ tokens: 1000, usd: 2.5 });
    const bad = await runCli(['create', '--agent', 'shell', '--work-dir', workDir, '--budget', 'tokens=many'], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--budget.*tokens.*number/);
    expect((await runCli(['kill', made.id], t.env)).code).toBe(0);
  });

  it('errors name the field once, say what was wrong and what is allowed', async () => {
    const badEnum = await runCli(['list', '--state', 'bogus'], t.env);
    expect(badEnum.code).toBe(2);
    expect(badEnum.stderr.match(/--state/g)).toHaveLength(1);
    expect(badEnum.stderr).toContain("'bogus' is invalid");
    expect(badEnum.stderr).toMatch(/^ag: .*Allowed choices are starting, idle/);

    const tooLong = await runCli(['session', 'get', 'x'.repeat(5000)], t.env);
    expect(tooLong.code).toBe(2);
    expect(tooLong.stderr.split('\n')[0]!.match(/<id>/g)).toHaveLength(1);
    expect(tooLong.stderr).toMatch(/fix: shorten <id> to at most \d+ characters/);

    const badDir = await runCli(['create', '--work-dir', '/no/such/dir'], t.env);
    expect(badDir.code).toBe(2);
    expect(badDir.stderr.split('\n')[0]).toBe('ag: --work-dir /no/such/dir does not exist');

    const piped = await runCli(['watch'], t.env);
    expect(piped.code).toBe(2);
    expect(piped.stderr).toMatch(/^ag: ag watch needs a terminal.*\n {2}fix: run it in a terminal; in scripts use ag list/);

    const missing = await runCli(['session', 'get', 'no-such-one'], t.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^ag: <id>: no such session: "no-such-one"\n {2}fix: run `ag session list`/);
  });

  it('help is grouped like gh (core, areas, setup, aliases), one line each, and matches the README table', async () => {
    const help = await runCli(['--help'], { ...t.env, COLUMNS: '80' });
    const groups = helpGroups(help.stdout);
    const headings = [...groups.keys()].filter((h) => h !== 'Options:');
    expect(headings.map((h) => h.split(' ')[0])).toEqual(['Core', 'Areas', 'Setup', 'Aliases:']);
    expect(groups.get(headings[0]!)).toEqual(expect.arrayContaining(['create', 'list', 'send', 'read', 'wait', 'approve', 'kill']));
    expect(help.stdout).toMatch(/^ {2}health +Aegis health \(= ag system health\)$/m);
    for (const line of help.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(80);
    expect(help.stdout).not.toMatch(/^ {20,}\S/m); // no description wrapped onto a second line

    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The CLI at a glance'), readme.indexOf('\n## ', readme.indexOf('## The CLI at a glance') + 5));
    const inReadme = new Set([...section.matchAll(/^\| (.*?) \|/gm)].flatMap((m) => [...m[1]!.matchAll(/`ag ([a-z][\w-]*)/g)].map((x) => x[1]!)));
    const inHelp = new Set(
      [...groups.entries()]
        .filter(([h]) => h !== 'Options:')
        .flatMap(([, names]) => names)
        .filter((n) => n !== 'help'),
    );
    expect([...inReadme].sort()).toEqual([...inHelp].sort());
  });

  it('ag completion bash completes commands, flags, enum values and live session ids in a real bash', async () => {
    // A real bash sources the script and runs its function, which calls `ag` on PATH (a shim for bin/ag).
    const shimDir = mkdtempSync(join(t.home, 'bin-')); // removed with the test home
    writeFileSync(join(shimDir, 'ag'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
    chmodSync(join(shimDir, 'ag'), 0o755);
    const complete = (...words: string[]) =>
      new Promise<string[]>((resolve, reject) => {
        const script = `source <(ag completion bash); COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ag_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
        execFile('bash', ['-c', script, 'bash', 'ag', ...words], { env: { ...t.env, PATH: `${shimDir}:${t.env.PATH}` } }, (err, stdout) =>
          err ? reject(err) : resolve(stdout.split('\n').filter(Boolean)),
        );
      });
    expect(await complete('ses')).toEqual(['session']);
    expect(await complete('session', 'he')).toEqual(['health']);
    expect(await complete('list', '--state', 'p')).toEqual(['permission_prompt', 'plan']);
    expect(await complete('wait', '--ti')).toEqual(['--timeout-seconds']);
    expect(await complete('approve', '')).toEqual(expect.arrayContaining([id, 'conv-one']));
    expect(await complete('session', 'get', 'conv')).toEqual(['conv-one']);
    expect(await complete('completion', '')).toEqual(['bash', 'zsh', 'fish']);

    for (const shell of ['zsh', 'fish']) {
      const script = await runCli(['completion', shell], t.env);
      expect(script.code).toBe(0);
      expect(script.stdout).toContain('ag __complete');
    }
    const bad = await runCli(['completion', 'tcsh'], t.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^ag: .*'tcsh'.*Allowed choices are bash, zsh, fish/);
  });
});
