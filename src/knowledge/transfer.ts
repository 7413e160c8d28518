import { randomBytes } from 'node:crypto';
import { linkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { AegisError, invalidInput } from '../errors.js';
import type { ImportResult } from './graph-results.js';
import type { KnowledgeGraph } from './graph.js';
import { readTextFile } from '../util/text-file.js';
import { parseJsonl, toJsonl } from './jsonl.js';

/** Above this an export is written to a file rather than returned inline, so it never floods a caller. */
export const INLINE_EXPORT_MAX_BYTES = 1024 * 1024;

export interface ImportSource {
  /** A file in the reference server's JSONL format (relative paths resolve against this process's cwd). */
  path?: string;
  /** The same format as text. */
  jsonl?: string;
  skipDanglingRelations?: boolean;
}

/** Imports a reference-format graph from a file or text, all or nothing. */
export function importJsonl(kg: KnowledgeGraph, source: ImportSource): ImportResult & { source: string } {
  if ((source.path === undefined) === (source.jsonl === undefined)) {
    throw invalidInput('path', 'give exactly one of path or jsonl', 'pass path to a .jsonl file, or jsonl with the file content');
  }
  let text: string;
  let field: string;
  let from: string;
  if (source.path !== undefined) {
    from = resolve(source.path);
    field = 'path';
    try {
      text = readTextFile(from);
    } catch (err) {
      throw invalidInput(
        'path',
        `cannot read ${from}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
        'check the path; relative paths resolve against the current directory',
      );
    }
  } else {
    text = source.jsonl!;
    field = 'jsonl';
    from = 'jsonl text';
  }
  try {
    const parsed = parseJsonl(text, field);
    return { source: from, ...kg.importGraph(parsed, { field, skipDanglingRelations: source.skipDanglingRelations }) };
  } catch (err) {
    // "line 3: …" alone does not say which file; its content is never quoted.
    if (source.path === undefined || !(err instanceof AegisError)) throw err;
    throw new AegisError(err.code, `${from}, ${err.message}`, { field: err.field, fix: err.fix, cause: err });
  }
}

export interface ExportResult {
  entities: number;
  relations: number;
  bytes: number;
  /** The file written, when a path was given. */
  path?: string;
  /** The graph as JSONL, when no path was given. */
  jsonl?: string;
}

/**
 * Exports the whole graph in the reference format: to `path` (written to a temporary file and moved in
 * place, so a reader never sees half a file; an existing file only with `overwrite`), or inline when
 * small enough.
 */
export function exportJsonl(kg: KnowledgeGraph, path?: string, opts: { overwrite?: boolean } = {}): ExportResult {
  const graph = kg.exportGraph();
  const text = toJsonl(graph);
  const counts = { entities: graph.entities.length, relations: graph.relations.length, bytes: Buffer.byteLength(text, 'utf8') };
  if (path === undefined) {
    if (counts.bytes > INLINE_EXPORT_MAX_BYTES) {
      throw invalidInput(
        'path',
        `the graph is ${counts.bytes} bytes as JSONL, too large to return inline (max ${INLINE_EXPORT_MAX_BYTES})`,
        'pass path to write it to a file',
      );
    }
    return { ...counts, jsonl: text };
  }
  const target = resolve(path);
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(temp, text);
    // Without overwrite the file is linked in place, which fails if the name exists, even when it
    // appeared after the graph was read; with it, renamed over.
    if (opts.overwrite) renameSync(temp, target);
    else linkSync(temp, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new AegisError('conflict', `${target} exists; kg_export does not replace a file unless told to`, {
        field: 'path',
        fix: 'pass overwrite: true (ag kg export --overwrite) to replace it, or choose another path',
      });
    }
    throw new AegisError('unavailable', `cannot write ${target}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      field: 'path',
      fix: 'choose a path in a writable directory that exists',
      cause: err,
    });
  } finally {
    rmSync(temp, { force: true });
  }
  return { ...counts, path: target };
}
