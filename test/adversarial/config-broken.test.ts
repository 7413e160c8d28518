import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTestEnv, type TestEnv } from '../helpers/env.js';

/** A token in the file: however broken the file, it must never be printed back. */
const TOKEN = '7000000001:AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQ';

const BROKEN: Record<string, { text: string; where?: RegExp }> = {
  'a trailing comma': {
    text: `{\n  "telegram": { "botToken": "${TOKEN}" },\n  "log": { "level": "info", }\n}\n`,
    where: /line 3, column 29: expected a property name/,
  },
  'an unclosed object': { text: `{\n  "telegram": { "botToken": "${TOKEN}" }\n`, where: /line 3, column 1: expected , or \}/ },
  'not JSON at all': { text: `telegram.botToken=${TOKEN}\n`, where: /line 1, column 1: expected a value/ },
  'a JSON array': { text: `["${TOKEN}"]` },
  'wrong types': { text: `{ "telegram": { "botToken": "${TOKEN}" }, "sessions": { "stallSeconds": "soon" } }` },
};

describe('a broken config.json never bricks the CLI', () => {
  let t: TestEnv;
  beforeEach(() => {
    t = makeTestEnv();
  });
  afterEach(() => t.cleanup());

  for (const [what, { text, where }] of Object.entries(BROKEN)) {
    it(`with ${what}: --help, --version and doctor work, other commands name the file, init --force repairs it`, async () => {
      const configFile = join(t.home, 'config.json');
      writeFileSync(configFile, text);
      const runs = [];

      const help = await runCli(['--help'], t.env);
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toContain('Usage: ag');
      expect(help.stdout).toContain('doctor');
      const version = await runCli(['--version'], t.env);
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);

      const doctor = await runCli(['doctor'], t.env);
      runs.push(doctor);
      expect(doctor.code).toBe(1);
      expect(doctor.stdout).toMatch(/FAIL\s+config\s+/);
      expect(doctor.stdout).toContain(configFile);
      if (where) expect(doctor.stdout).toMatch(where);
      expect(doctor.stdout).toMatch(/fix: .*ag init --force|fix: set "/);
      expect(doctor.stdout).toMatch(/ok\s+tmux/); // the rest of the diagnosis still ran

      const other = await runCli(['memory', 'list'], t.env);
      runs.push(other);
      expect(other.code).toBe(2);
      expect(other.stderr).toContain(configFile);
      if (where) {
        expect(other.stderr).toMatch(where);
        expect(other.stderr).toContain('ag init --force');
      }

      for (const run of runs) expect(run.stdout + run.stderr).not.toContain(TOKEN.slice(0, 20));

      const init = await runCli(['init', '--force', '--no-mcp-json'], t.env);
      expect(init.code, init.stderr).toBe(0);
      const after = await runCli(['memory', 'list', '--json'], t.env);
      expect(after.code, after.stderr).toBe(0);
    }, 120_000);
  }
});
