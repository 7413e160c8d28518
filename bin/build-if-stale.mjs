#!/usr/bin/env node
// The `prepare` step: builds dist/ unless it is newer than everything it is built from. npm runs
// prepare on `npm install`, and also each time `npx ag …` is run in this folder; rebuilding there
// took 15 s per command and deleted the chunks a running `ag mcp` still loads (it then failed with
// "Cannot find module dist/bundle/chunk-….js"). A fresh clone or changed sources still build.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mtime = (path) => {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
};
const newest = (dir) =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => Math.max(m, e.isDirectory() ? newest(join(dir, e.name)) : (mtime(join(dir, e.name)) ?? 0)), 0);

// The build writes dist/cli-manifest.json last: its time is the build's end.
const built = mtime(join(root, 'dist', 'cli-manifest.json'));
const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'bin')),
  ...['package.json', 'package-lock.json', 'tsconfig.json'].map((f) => mtime(join(root, f)) ?? 0),
);
if (built === undefined || built < sources) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
