import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

/** One folder that may hold an integration; its name is the folder's name. */
export interface FoundFolder {
  name: string;
  dir: string;
}

export interface Discovery {
  /** Every candidate, in load order: `$AEGIS_HOME/integrations` first, then AEGIS_INTEGRATION_DIRS in order; by name within a folder. */
  folders: FoundFolder[];
  /** The folders searched. */
  searched: string[];
  /** Searched folders that are missing or unreadable, with the fix. */
  problems: string[];
}

/** Files and folders that make a folder an integration (see types.ts for what each holds). */
const PART = /^(tools|skills|setup\.json|(channel|commands|hooks)\.(js|mjs|ts|mts))$/;

const isDir = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** A folder is an integration itself when it holds at least one part; otherwise its subfolders are integrations. */
export function isIntegrationFolder(dir: string): boolean {
  return readdirSync(dir).some((f) => PART.test(f));
}

/**
 * Finds integration folders. Each searched folder either holds integrations (one subfolder each) or
 * is one itself, so `AEGIS_INTEGRATION_DIRS=~/code/my-ci` works as well as a folder of them. The same
 * folder reached twice (a symlink, a repeated path) is loaded once.
 */
export function discover(home: string, env: NodeJS.ProcessEnv): Discovery {
  const own = join(home, 'integrations');
  const extra = (env.AEGIS_INTEGRATION_DIRS ?? '')
    .split(':')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => resolve(p));
  const searched = [own, ...extra];
  const folders: FoundFolder[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  const add = (dir: string) => {
    const real = realpathSync(dir);
    if (seen.has(real)) return;
    seen.add(real);
    folders.push({ name: basename(dir), dir });
  };

  for (const root of searched) {
    if (!existsSync(root)) {
      // The home folder's integrations/ is optional; a folder someone named explicitly must exist.
      if (root !== own) problems.push(`AEGIS_INTEGRATION_DIRS names ${root}, which does not exist (fix: create it or remove it from AEGIS_INTEGRATION_DIRS)`);
      continue;
    }
    try {
      if (!isDir(root)) throw new Error('it is not a folder');
      if (isIntegrationFolder(root)) {
        add(root);
        continue;
      }
      const subfolders = readdirSync(root)
        .filter((f) => !f.startsWith('.') && f !== 'node_modules' && isDir(join(root, f)))
        .sort();
      for (const f of subfolders) add(join(root, f));
    } catch (err) {
      problems.push(`cannot read integrations in ${root}: ${(err as Error).message} (fix: make it a readable folder, or remove it from the search path)`);
    }
  }
  return { folders, searched, problems };
}
