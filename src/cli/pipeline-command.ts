import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { App } from '../app.js';
import { describeError, invalidInput, toAegisError } from '../errors.js';
import { stageDetail, stageTable, summaryLine, type PipelineLine } from '../pipelines/index.js';
import { terminalSafe } from '../render/text.js';
import { pipelineCreate, pipelineOut } from '../tools/pipelines.js';
import { callTool } from '../tools/run.js';
import { readTextFile } from '../util/text-file.js';
import { CliExit, EXIT, type LazyApp } from './program.js';

/** How often the live view is redrawn. A display refresh, not how the pipeline advances. */
const REFRESH_MS = 250;
const EXIT_INTERRUPTED = 130;

type Out = (text: string) => void;

/**
 * Follows a pipeline until it finishes, the deadline passes or Ctrl-C: on a terminal a stage table
 * redrawn in place; otherwise one line per change (stage status, a dialog appearing). Then the final
 * table and a summary line. Returns the last view.
 */
async function follow(
  app: App,
  id: string,
  opts: { live: boolean; tty: boolean; width: number; deadline?: number; signal: AbortSignal; out: Out },
): Promise<PipelineLine> {
  const started = Date.now();
  const seen = new Map<string, string>();
  let drawn = 0;
  // Stage details carry what agents said and asked: drawn made terminalSafe.
  const current = () => terminalSafe(pipelineOut(app.pipelines.view(id)));
  let view: PipelineLine = current();
  const redraw = (lines: string[]) => {
    if (drawn) opts.out(`\x1b[${drawn}A\x1b[J`);
    // A line wider than the terminal would wrap and break the count of lines to move up over.
    opts.out(`${lines.map((l) => l.slice(0, opts.width - 1)).join('\n')}\n`);
    drawn = lines.length;
  };
  for (;;) {
    view = current();
    if (opts.tty) redraw([summaryLine(view), ...stageTable(view)]);
    else if (opts.live) {
      for (const s of view.stages) {
        const detail = s.status === 'running' ? stageDetail(s) : '';
        const key = `${s.status}|${s.attempts}|${s.dialog ? detail : ''}`;
        if (seen.get(s.name) === key || (s.status === 'pending' && !seen.has(s.name) && !s.attempts)) continue;
        seen.set(s.name, key);
        const info =
          s.status === 'running'
            ? `${s.sessionName ? ` (session ${s.sessionName})` : ''}${s.dialog ? ` ${detail}` : ''}`
            : stageDetail(s)
              ? `: ${stageDetail(s)}`
              : '';
        opts.out(`[+${((Date.now() - started) / 1000).toFixed(1)}s] ${s.name} ${s.status}${info}\n`);
      }
    }
    if (view.status !== 'running' || opts.signal.aborted || (opts.deadline !== undefined && Date.now() >= opts.deadline)) break;
    await new Promise<void>((r) => {
      const t = setTimeout(done, REFRESH_MS);
      function done() {
        clearTimeout(t);
        opts.signal.removeEventListener('abort', done);
        r();
      }
      opts.signal.addEventListener('abort', done);
    });
  }
  if (opts.tty) redraw(stageTable(view));
  else opts.out(`${stageTable(view).join('\n')}\n`);
  opts.out(`${summaryLine(view)}\n`);
  return view;
}

/** Runs `fn` with Ctrl-C turned into an abort (the pipeline itself keeps running in the background). */
async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<{ value: T; interrupted: boolean }> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return { value: await fn(controller.signal), interrupted: controller.signal.aborted };
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Watches a pipeline from the CLI and turns how it ended into the exit code. */
async function watchAndExit(app: App, id: string, json: boolean, deadline?: number): Promise<void> {
  const out: Out = (text) => process.stdout.write(text);
  const { value: view, interrupted } = await withInterrupt((signal) =>
    follow(app, id, { live: !json, tty: !json && !!process.stdout.isTTY, width: process.stdout.columns || 120, deadline, signal, out: json ? () => {} : out }),
  );
  if (json) out(`${JSON.stringify(pipelineOut(app.pipelines.view(id)), null, 2)}\n`);
  if (interrupted) {
    process.stderr.write(
      `ag: stopped watching; the pipeline keeps running. Watch again: ag pipeline wait ${view.id.slice(0, 8)}  Stop it: ag pipeline cancel ${view.id.slice(0, 8)}\n`,
    );
    throw new CliExit(EXIT_INTERRUPTED);
  }
  if (view.status === 'running') {
    process.stderr.write(`ag: still running after the timeout; wait again with: ag pipeline wait ${view.id.slice(0, 8)}\n`);
    throw new CliExit(EXIT.failure);
  }
  if (view.status !== 'done') throw new CliExit(EXIT.failure);
}

/** Reads a pipeline definition file; a missing workDir means the current folder. */
function readDefinition(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readTextFile(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw invalidInput(
      'file',
      e.code === 'ENOENT' ? `${file} does not exist` : `${file} is not valid JSON: ${e.message}`,
      'pass a JSON file like {"name": "build", "stages": [{"name": "plan", "prompt": "..."}]}',
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalidInput(
      'file',
      `${file} does not hold a JSON object`,
      'the file holds one object with name, workDir (optional), stages and onFailure (optional)',
    );
  const def = parsed as Record<string, unknown>;
  return { ...def, workDir: resolve(typeof def.workDir === 'string' ? def.workDir : '.') };
}

function fail(err: unknown, json: boolean): never {
  if (err instanceof CliExit) throw err;
  const e = toAegisError(err);
  if (json) process.stdout.write(`${JSON.stringify({ error: e.toJSON() }, null, 2)}\n`);
  process.stderr.write(`ag: ${describeError(e)}\n`);
  throw new CliExit(e.isUsage ? EXIT.usage : EXIT.failure);
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected seconds (a number >= 0)');
  return n;
}

/**
 * `ag pipeline run <file>` (create from a JSON file, then follow it) and `ag pipeline wait <id>` with
 * live progress. `wait` replaces the generated command of the pipeline_wait tool, whose 50-second
 * bound is for MCP hosts: on the command line it follows the pipeline to the end.
 */
export function addPipelineCommands(program: Command, lazy: LazyApp): void {
  const area = program.commands.find((c) => c.name() === 'pipeline');
  if (!area) return;
  const generated = area.commands as Command[];
  const at = generated.findIndex((c) => c.name() === 'wait');
  if (at >= 0) generated.splice(at, 1);

  area
    .command('run')
    .summary('Start a pipeline from a JSON file and follow it')
    .description(
      'Start a pipeline from a JSON file (the pipeline_create input: name, workDir, stages, onFailure; workDir defaults to the current folder) and follow it: a live stage table on a terminal, one line per change otherwise, then a summary. Exit 0 when every stage is done. Ctrl-C stops watching; the pipeline keeps running.',
    )
    .argument('<file>', 'pipeline definition (JSON)')
    .option('--detach', 'print the id and return without following')
    .option('--json', 'print the final pipeline as JSON instead of progress')
    .action(async (file: string, opts: { detach?: boolean; json?: boolean }) => {
      const json = !!opts.json;
      try {
        const app = lazy.get();
        const created = (await callTool(app, pipelineCreate, readDefinition(file), { caller: 'cli' })) as { id: string };
        if (opts.detach) {
          process.stdout.write(json ? `${JSON.stringify(created, null, 2)}\n` : `${created.id}\n`);
          return;
        }
        await watchAndExit(app, created.id, json);
      } catch (err) {
        fail(err, json);
      }
    });

  area
    .command('wait')
    .summary('Follow a pipeline until it finishes')
    .description('Follow a pipeline with live progress until it finishes (or --timeout), then print a summary. Exit 0 when every stage is done, 1 otherwise.')
    .argument('<id>', 'pipeline id, unique id prefix, or name')
    .option('--timeout <seconds>', 'stop waiting after this many seconds', parseSeconds)
    .option('--json', 'print the final pipeline as JSON instead of progress')
    .action(async (id: string, opts: { timeout?: number; json?: boolean }) => {
      const json = !!opts.json;
      try {
        const app = lazy.get();
        const p = app.pipelines.resolve(id);
        await watchAndExit(app, p.id, json, opts.timeout === undefined ? undefined : Date.now() + opts.timeout * 1000);
      } catch (err) {
        fail(err, json);
      }
    });
}
