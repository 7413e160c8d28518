// Drives the integration through the real `ag`, the way Aegis loads it. Run with `npm test`;
// set AG_BIN to the ag executable when it is not on PATH.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const AG = process.env.AG_BIN ?? 'ag';
const folder = dirname(dirname(fileURLToPath(import.meta.url)));
const home = mkdtempSync(join(tmpdir(), 'aegis-{{name}}-'));
const logFile = join(home, 'calls.jsonl');
const env = { ...process.env, AEGIS_HOME: home, AEGIS_INTEGRATION_DIRS: folder, AEGIS_{{NAME}}_LOG_FILE: logFile };
after(() => rmSync(home, { recursive: true, force: true }));

function ag(...args) {
  return new Promise((resolve) => {
    execFile(AG, args, { env }, (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

test('loads', async () => {
  const r = await ag('integrations', 'list', '--json');
  const me = JSON.parse(r.stdout).integrations.find((i) => i.name === '{{name}}');
  assert.equal(me?.status, 'loaded', me?.error);
});

test('the tool answers, and the hook logs the call', async () => {
  const r = await ag('{{name}}', 'hello', 'Ada', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).greeting, 'Hello, Ada!');
  const calls = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(calls.some((c) => c.tool === '{{name}}_hello' && c.ok));
});

test('before_tool_call vetoes a call', async () => {
  const r = await ag('{{name}}', 'hello', 'nobody');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /vetoed: nobody is not greeted/);
});

test('the chat command answers', async () => {
  const r = await ag('message', 'handle', '{{name}} Grace', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).reply, 'Hello, Grace!');
});
