import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs git with a fixed identity (a test HOME has none). */
export function gitIn(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: dir, encoding: 'utf8' });
}

/** Makes `dir` a repository on branch main holding app.txt (three lines), committed. */
export function initRepo(dir: string): string {
  gitIn(dir, 'init', '--quiet', '-b', 'main');
  writeFileSync(join(dir, 'app.txt'), 'one\ntwo\nthree\n');
  gitIn(dir, 'add', 'app.txt');
  gitIn(dir, 'commit', '--quiet', '-m', 'start');
  return dir;
}

/** A fresh repository in a new temporary folder (see initRepo). */
export const makeRepo = (prefix: string): string => initRepo(realpathSync(mkdtempSync(join(tmpdir(), prefix))));
