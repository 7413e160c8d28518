import * as z from 'zod';
import type { Config } from '../../config/load.js';
import { AegisError } from '../../errors.js';
import { withoutSecretSettings } from '../../agents/env.js';
import { run } from '../../util/exec.js';
import { COMMAND_WORDS } from './parser.js';

/**
 * Operator commands (deploy, restart, logs...) are defined by the user in config.json as fixed
 * argument lists. A chat message only names one; nothing from the message reaches the command line,
 * and no shell ever runs:
 *
 *   "operators": { "deploy": { "argv": ["./scripts/deploy.sh", "prod"], "cwd": "/srv/app", "timeoutSeconds": 600 } }
 */
const operatorSchema = z.object({
  argv: z.array(z.string().min(1)).min(1),
  cwd: z.string().min(1).optional(),
  timeoutSeconds: z.number().int().min(1).max(3_600).default(120),
  description: z.string().optional(),
});
export type Operator = z.infer<typeof operatorSchema> & { name: string };

const NAME = /^[a-z][a-z0-9_-]{0,31}$/i;
const OUTPUT_TAIL_CHARS = 1_500;

export function loadOperators(config: Config): Map<string, Operator> {
  const raw = config.extra.operators;
  const ops = new Map<string, Operator>();
  if (raw === undefined) return ops;
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AegisError('invalid_input', 'operators in config.json must be an object of named commands', {
      field: 'operators',
      fix: 'write "operators": { "deploy": { "argv": ["./deploy.sh"] } }',
    });
  }
  for (const [name, def] of Object.entries(raw)) {
    if (!NAME.test(name) || COMMAND_WORDS.includes(name.toLowerCase())) {
      throw new AegisError('invalid_input', `operator name "${name}" is not usable`, {
        field: `operators.${name}`,
        fix: `use 1-32 letters, digits, _ or -, not a built-in command (${COMMAND_WORDS.join(', ')})`,
      });
    }
    const parsed = operatorSchema.safeParse(def);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ['operators', name, ...(issue?.path ?? []).map(String)].join('.');
      throw new AegisError('invalid_input', `${field}: ${issue?.message ?? 'invalid'}`, {
        field,
        fix: 'give argv as an array of strings, e.g. ["./deploy.sh", "prod"]; optional cwd, timeoutSeconds (1-3600)',
      });
    }
    ops.set(name, { ...parsed.data, name });
  }
  return ops;
}

/**
 * Runs the operator's fixed argv (no shell) and returns its exit code and the tail of its output.
 * Without Aegis's secrets in its environment: it may run code an agent wrote (tests, a build in a project).
 */
export async function runOperator(op: Operator): Promise<{ exitCode?: number; output: string; error?: string }> {
  const [command, ...args] = op.argv as [string, ...string[]];
  const r = await run(command, args, { cwd: op.cwd, env: withoutSecretSettings(process.env), timeoutMs: op.timeoutSeconds * 1000, maxBytes: 4 * 1024 * 1024 });
  const text = `${r.stdout}${r.stderr ? `\n${r.stderr}` : ''}`.trim();
  const output = text.length > OUTPUT_TAIL_CHARS ? `…${text.slice(-OUTPUT_TAIL_CHARS)}` : text;
  if (r.timedOut) return { output, error: `timed out after ${op.timeoutSeconds} s` };
  if (r.overflowed) return { output, error: 'printed more than 4 MiB; stopped' };
  if (r.spawnError) return { output, error: r.spawnError };
  if (r.exitCode === undefined) return { output, error: `ended by ${r.signal ?? 'a signal'}` };
  return { exitCode: r.exitCode, output };
}
