import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { invalidInput } from '../errors.js';
import { checkKey } from '../memory/index.js';
import { MAX_TEXT_BYTES } from '../terminal/typed-text.js';
import { ancestors, findCycle } from './graph.js';
import { parseReferences } from './template.js';
import { MODEL_FIX, MODEL_NAME, NAMED_AGENTS } from '../agents/names.js';
import { PIPELINE_LIMITS, type PipelineInput, type PipelineSpec, type StageSpec } from './types.js';

export interface ValidationContext {
  /** Whether memory holds `key` in one of `scopes` (searched in order). */
  memoryHas(key: string, scopes: string[]): boolean;
  /** sessions a pipeline runs at once when the definition does not say (config pipelines.maxConcurrent). */
  defaultMaxConcurrent: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const quote = (names: Iterable<string>) => [...names].map((n) => `"${n}"`).join(', ');

function checkName(field: string, what: string, name: string): void {
  if (!NAME.test(name) || name.length > PIPELINE_LIMITS.nameChars) {
    throw invalidInput(
      field,
      `${what} "${name}" is not a valid name`,
      `use 1-${PIPELINE_LIMITS.nameChars} letters, digits, _ or -, starting with a letter or digit (it becomes part of session names)`,
    );
  }
}

function checkDir(field: string, dir: string, owner: string): void {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw invalidInput(
      field,
      `${owner}: workDir ${dir} does not exist`,
      'pass an existing folder (absolute, or relative to the pipeline workDir), or create it first',
    );
  }
  if (!isDir) throw invalidInput(field, `${owner}: workDir ${dir} is not a folder`, 'pass the project folder, not a file');
}

/**
 * Checks a pipeline definition before anything runs and fills in defaults. Every problem a caller can
 * make is reported as one invalid_input error naming the field and the stage: bad or duplicate names,
 * empty prompts, unknown dependencies, cycles, and template references to stages that are not
 * dependencies or to memory keys that are not set.
 */
export function validatePipeline(input: PipelineInput, ctx: ValidationContext): PipelineSpec {
  checkName('name', 'pipeline name', input.name);
  if (!isAbsolute(input.workDir))
    throw invalidInput('workDir', `workDir "${input.workDir}" is not an absolute path`, 'pass the absolute path of the project folder');
  const workDir = resolve(input.workDir);
  checkDir('workDir', workDir, `pipeline "${input.name}"`);
  if (!input.stages.length) throw invalidInput('stages', 'the pipeline has no stages', 'add at least one stage: {"name": "plan", "prompt": "..."}');
  if (input.stages.length > PIPELINE_LIMITS.stages)
    throw invalidInput(
      'stages',
      `the pipeline has ${input.stages.length} stages; at most ${PIPELINE_LIMITS.stages} are allowed`,
      'split it into several pipelines',
    );
  const maxConcurrent = input.maxConcurrent ?? ctx.defaultMaxConcurrent;
  if (!Number.isInteger(maxConcurrent) || maxConcurrent < 1 || maxConcurrent > 64)
    throw invalidInput('maxConcurrent', `maxConcurrent must be a whole number from 1 to 64, got ${maxConcurrent}`, 'pass maxConcurrent between 1 and 64');
  for (const key of Object.keys(input.env ?? {})) {
    if (!ENV_KEY.test(key))
      throw invalidInput(`env.${key}`, `"${key}" is not a valid environment variable name`, 'use letters, digits and _ only, not starting with a digit');
  }

  const seen = new Map<string, number>();
  const stages: StageSpec[] = input.stages.map((s, i) => {
    const at = `stages[${i}]`;
    checkName(`${at}.name`, 'stage name', s.name);
    const first = seen.get(s.name);
    if (first !== undefined)
      throw invalidInput(`${at}.name`, `stage name "${s.name}" is used twice (stages[${first}] and ${at})`, 'give every stage a unique name');
    seen.set(s.name, i);
    if (!s.prompt.trim()) throw invalidInput(`${at}.prompt`, `stage "${s.name}" has an empty prompt`, 'write what the agent of this stage should do');
    if (Buffer.byteLength(s.prompt) > MAX_TEXT_BYTES)
      throw invalidInput(
        `${at}.prompt`,
        `stage "${s.name}": the prompt is ${Buffer.byteLength(s.prompt)} bytes; the limit is ${MAX_TEXT_BYTES}`,
        'shorten it, or put the detail in a file the agent reads',
      );
    const retries = s.retries ?? 0;
    if (!Number.isInteger(retries) || retries < 0 || retries > PIPELINE_LIMITS.retriesMax)
      throw invalidInput(
        `${at}.retries`,
        `stage "${s.name}": retries must be a whole number from 0 to ${PIPELINE_LIMITS.retriesMax}, got ${retries}`,
        `pass retries between 0 and ${PIPELINE_LIMITS.retriesMax}`,
      );
    const timeoutSec = s.timeoutSec ?? PIPELINE_LIMITS.defaultTimeoutSec;
    if (!(timeoutSec >= PIPELINE_LIMITS.timeoutSecMin && timeoutSec <= PIPELINE_LIMITS.timeoutSecMax))
      throw invalidInput(
        `${at}.timeoutSec`,
        `stage "${s.name}": timeoutSec must be from ${PIPELINE_LIMITS.timeoutSecMin} to ${PIPELINE_LIMITS.timeoutSecMax}, got ${timeoutSec}`,
        'pass the seconds the stage may take, including time waiting for approvals',
      );
    const agent = s.agent ?? 'claude';
    if (!NAMED_AGENTS.includes(agent))
      throw invalidInput(`${at}.agent`, `stage "${s.name}": unknown agent "${String(agent)}"`, `use one of: ${NAMED_AGENTS.join(', ')}`);
    if (s.model !== undefined && !MODEL_NAME.test(s.model)) throw invalidInput(`${at}.model`, `stage "${s.name}": "${s.model}" is not a model name`, MODEL_FIX);
    const stageDir = s.workDir ? resolve(workDir, s.workDir) : workDir;
    if (s.workDir) checkDir(`${at}.workDir`, stageDir, `stage "${s.name}"`);
    return {
      name: s.name,
      prompt: s.prompt,
      agent,
      workDir: stageDir,
      dependsOn: [...new Set(s.dependsOn ?? [])],
      permissionMode: s.permissionMode,
      timeoutSec,
      retries,
      model: s.model,
      worktree: s.worktree,
      baseRef: s.baseRef,
    };
  });

  stages.forEach((s, i) => {
    for (const dep of s.dependsOn) {
      if (dep === s.name) throw invalidInput(`stages[${i}].dependsOn`, `stage "${s.name}" depends on itself`, 'remove it from its own dependsOn');
      if (!seen.has(dep))
        throw invalidInput(`stages[${i}].dependsOn`, `stage "${s.name}" depends on "${dep}", which is not a stage`, `use one of ${quote(seen.keys())}`);
    }
  });
  const cycle = findCycle(stages);
  if (cycle) {
    const i = seen.get(cycle[0]!)!;
    throw invalidInput(
      `stages[${i}].dependsOn`,
      `stages ${cycle.map((n) => `"${n}"`).join(' → ')} form a cycle`,
      'remove one of these dependencies so the stages can run in order',
    );
  }

  stages.forEach((s, i) => {
    if (s.baseRef === undefined) return;
    const at = `stages[${i}].baseRef`;
    if (!s.worktree) throw invalidInput(at, `stage "${s.name}" has a baseRef but no worktree`, 'add worktree: true to the stage');
    const ref = branchReference(s.baseRef);
    if (ref === undefined) return;
    const source = stages.find((x) => x.name === ref);
    if (!source || !ancestors(stages, s.name).has(ref))
      throw invalidInput(
        at,
        `stage "${s.name}" starts from the branch of "${ref}", which is not one of its dependencies`,
        `add "${ref}" to the dependsOn of "${s.name}"`,
      );
    if (!source.worktree)
      throw invalidInput(at, `stage "${s.name}" starts from the branch of "${ref}", which has no worktree`, `add worktree: true to stage "${ref}"`);
  });

  stages.forEach((s, i) => {
    const at = `stages[${i}].prompt`;
    const { refs, invalid } = parseReferences(s.prompt);
    if (invalid.length)
      throw invalidInput(
        at,
        `stage "${s.name}": ${invalid[0]} is not a reference this prompt can use`,
        'write {{stages.<name>.output}}, {{stages.<name>.files}} or {{memory.<key>}}',
      );
    const upstream = ancestors(stages, s.name);
    for (const ref of refs) {
      if (ref.kind === 'stage') {
        if (!seen.has(ref.stage))
          throw invalidInput(at, `stage "${s.name}" refers to ${ref.raw}, but there is no stage "${ref.stage}"`, `use one of ${quote(upstream)}`);
        if (!upstream.has(ref.stage))
          throw invalidInput(
            at,
            `stage "${s.name}" refers to ${ref.raw}, but "${ref.stage}" is not one of its dependencies, so its output may not exist yet`,
            `add "${ref.stage}" to the dependsOn of "${s.name}"`,
          );
      } else {
        try {
          checkKey(ref.key, at);
        } catch (err) {
          throw invalidInput(
            at,
            `stage "${s.name}" refers to ${ref.raw}: ${(err as Error).message}`,
            'memory keys look like namespace/key, e.g. {{memory.deploy/staging-url}}',
          );
        }
        if (!ctx.memoryHas(ref.key, memoryScopes(s, workDir)))
          throw invalidInput(
            at,
            `stage "${s.name}" refers to ${ref.raw}, but memory has no key "${ref.key}"`,
            `set it first (memory_set key="${ref.key}"), in scope global or project:${s.workDir}`,
          );
      }
    }
  });

  return { name: input.name, workDir, stages, onFailure: input.onFailure ?? 'stop', maxConcurrent, env: input.env ?? {}, budget: input.budget };
}

/** The stage named by a baseRef of the form {{stages.<name>.branch}}, else undefined (a plain git ref). */
export function branchReference(baseRef: string): string | undefined {
  return /^\{\{stages\.([A-Za-z0-9_-]+)\.branch\}\}$/.exec(baseRef)?.[1];
}

/** Where a stage's `{{memory.<key>}}` is looked up: its project, the pipeline's project, then global. */
export function memoryScopes(stage: StageSpec, pipelineWorkDir: string): string[] {
  return [...new Set([`project:${stage.workDir}`, `project:${pipelineWorkDir}`, 'global'])];
}
