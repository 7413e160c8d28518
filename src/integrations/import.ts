import { register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { AegisError } from '../errors.js';
import type { NamespacedUnregister } from 'tsx/esm/api';
import type { HookData } from './resolve-hook.js';

/** How long one integration file may take to import (top-level await included) before it counts as broken. */
const IMPORT_TIMEOUT_MS = 15_000;

let tsx: Promise<NamespacedUnregister> | undefined;

/** Defined (true) by the build's esbuild step in dist/bundle/; undeclared in dist/ and src/. */
declare const AEGIS_BUNDLED: boolean | undefined;

/**
 * Makes integration files importable: registers the resolve hook (resolve-hook.ts) for these
 * folders. Called once per load, before the first import, and only when integrations exist, so a
 * process without any never starts Node's loader thread.
 */
export function enableIntegrationImports(folders: string[]): void {
  const data: HookData = {
    // The bundle (dist/bundle/, flat) has its own index.js beside this code: integrations must get that
    // one, so they share this process's modules (zod, AegisError...) instead of a second copy.
    entry: new URL(typeof AEGIS_BUNDLED !== 'undefined' ? './index.js' : '../index.js', import.meta.url).href,
    roots: folders.map((dir) => pathToFileURL(dir.endsWith('/') ? dir : `${dir}/`).href),
  };
  register(new URL('./resolve-hook.js', import.meta.url), { data });
}

/**
 * TypeScript goes through tsx, loaded on first need (Node 20 cannot strip types). One namespace for
 * the whole process: tsx's hooks then apply only to integration files and what they import.
 */
function tsxApi(): Promise<NamespacedUnregister> {
  tsx ??= import('tsx/esm/api').then((m) => m.register({ namespace: 'aegis-integrations' }));
  return tsx;
}

/** The line of `file` an error points at, read from its stack (syntax errors and throws at import). */
function lineOf(err: unknown, url: string): string {
  const stack = err instanceof Error ? (err.stack ?? '') : '';
  const escaped = url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`${escaped}(?:\\?[^:\\s]*)?:(\\d+)`).exec(stack);
  return m ? ` (line ${m[1]})` : '';
}

/**
 * Imports one integration file and returns its exports. Anything that goes wrong (a syntax error,
 * a throw at import, a hang) becomes an AegisError naming the file, what happened and the fix.
 */
export async function importIntegrationFile(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new AegisError('timeout', `${file} did not finish importing within ${IMPORT_TIMEOUT_MS / 1000} s`, {
            field: file,
            fix: 'do slow work (network, large files) inside handlers, not at the top level of the file',
          }),
        ),
      IMPORT_TIMEOUT_MS,
    );
    timer.unref();
  });
  try {
    const load: Promise<Record<string, unknown>> = /\.m?ts$/.test(file) ? tsxApi().then((api) => api.import(url, import.meta.url)) : import(url);
    return await Promise.race([load, timeout]);
  } catch (err) {
    if (err instanceof AegisError) throw err;
    const e = err as Error;
    // Node reports a SyntaxError; tsx (esbuild) a TransformError.
    const syntax = e instanceof SyntaxError || e?.name === 'TransformError';
    const what = syntax ? 'has a syntax error' : 'threw while importing';
    throw new AegisError('invalid_input', `${file} ${what}${lineOf(err, url)}: ${e?.name ?? 'Error'}: ${e?.message ?? String(err)}`, {
      field: file,
      fix: syntax
        ? `fix the syntax${file.endsWith('.js') ? ` (\`node --check ${file}\` shows where)` : ''}`
        : 'fix the code that runs when the file is imported, or move it into a handler',
    });
  } finally {
    clearTimeout(timer);
  }
}
